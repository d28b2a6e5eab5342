using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>
/// The app settings infra/main.bicep gives the Function app, as the worker would see them in Azure: main.bicep
/// compiled with the Bicep CLI that infra/lint.sh uses (infra/Infra.proj pins it), the settings read from the ARM JSON
/// by <see cref="ArmTemplate"/>, then what App Service does at run time: Key Vault references replaced by the secret
/// (or left as the literal text when a reference does not resolve) and WEBSITE_SITE_NAME set. Then the swaps a test
/// may make: storage → Azurite (the <c>AzureWebJobsStorage__*</c> identity settings become one connection string);
/// nothing else is added or removed.
/// </summary>
public static partial class InfraSettings
{
    /// <summary>The site name the compiled template gives the Function app is a placeholder (uniqueString); App Service sets this.</summary>
    public const string SiteName = "func-api-ci";

    private static readonly Lazy<Task<JsonObject>> CompiledMain = new(CompileMainAsync);

    /// <summary>
    /// The deployment's settings for <paramref name="parameters"/> (main.bicep parameters as azd passes them from the
    /// azd environment; environmentName and location are given here). <paramref name="keyVaultSecrets"/>: the secret
    /// values App Service resolves the references to, by secret name; a reference whose secret is missing stays literal.
    /// </summary>
    public static async Task<Dictionary<string, string>> ForAzureAsync(IReadOnlyDictionary<string, object?> parameters, IReadOnlyDictionary<string, string> keyVaultSecrets)
    {
        var main = await CompiledMain.Value;
        var all = new Dictionary<string, object?> { ["environmentName"] = "ci", ["location"] = "westeurope" };
        foreach (var (k, v) in parameters) all[k] = v;

        var (settings, _) = ArmTemplate.FunctionAppSettings(main, all, (deployment, output) => ModuleOutput(deployment, output, all));
        var result = new Dictionary<string, string>(settings);
        foreach (var (name, value) in settings)
        {
            var reference = KeyVaultReference().Match(value);
            if (reference.Success && keyVaultSecrets.TryGetValue(reference.Groups["secret"].Value, out var secret)) result[name] = secret;
        }
        result["WEBSITE_SITE_NAME"] = SiteName;
        return result;
    }

    /// <summary>The timer schedules infra/main.bicep writes (every app setting named …Schedule, all parameters at their defaults).</summary>
    public static async Task<Dictionary<string, string>> SchedulesAsync() =>
        (await ForAzureAsync(new Dictionary<string, object?>(), new Dictionary<string, string>()))
            .Where(s => s.Key.EndsWith("Schedule", StringComparison.Ordinal)).ToDictionary();

    /// <summary>The queues infra/main.bicep creates (variable storageLayout.queues of the compiled template).</summary>
    public static async Task<IReadOnlyList<string>> QueuesAsync() =>
        (await CompiledMain.Value)["variables"]!["storageLayout"]!["queues"]!.AsArray().Select(q => (string)q!).ToList();

    /// <summary>Storage → the given Azurite (connection string).</summary>
    public static Dictionary<string, string> WithStorage(Dictionary<string, string> settings, string connectionString)
    {
        var swapped = settings.Where(s => !s.Key.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase)).ToDictionary();
        swapped["AzureWebJobsStorage"] = connectionString;
        return swapped;
    }

    /// <summary>
    /// Another module's outputs, which only a deployment knows, substituted: the Key Vault secret URIs exist when main
    /// was given the secret (as keyvault.bicep creates the secret only then); the managed identity's client id is a fixed
    /// GUID; the reminder queue has servicebus.bicep's default name; Application Insights is a syntactically valid connection string to a closed loopback port (telemetry goes
    /// nowhere); every other output is "{module}-{output}".
    /// </summary>
    private static object? ModuleOutput(string deployment, string output, IReadOnlyDictionary<string, object?> parameters) => (deployment.ToLowerInvariant(), output) switch
    {
        ("keyvault", "graphClientSecretUri") => Given(parameters, "graphClientSecret") ? SecretUri("graph-client-secret") : "",
        ("keyvault", "graphTokenCacheKeyUri") => Given(parameters, "graphTokenCacheKey") ? SecretUri("graph-token-cache-key") : "",
        ("identity", "clientId") => "00000000-0000-0000-0000-0000000000c1",
        ("monitoring", "applicationInsightsConnectionString") =>
            "InstrumentationKey=00000000-0000-0000-0000-0000000000a1;IngestionEndpoint=http://127.0.0.1:9/;LiveEndpoint=http://127.0.0.1:9/",
        ("servicebus", "fullyQualifiedNamespace") => "sb-ci.servicebus.windows.net",
        ("servicebus", "reminderQueueName") => "rca-reminders", // servicebus.bicep's default queue name
        _ => $"{deployment}-{output}",
    };

    private static bool Given(IReadOnlyDictionary<string, object?> parameters, string name) =>
        parameters.TryGetValue(name, out var value) && value is string { Length: > 0 };

    public static string SecretUri(string secret) => $"https://kv-ci.vault.azure.net/secrets/{secret}";

    [GeneratedRegex(@"^@Microsoft\.KeyVault\(SecretUri=https://[^/]+/secrets/(?<secret>[^/)]+)/?\)$")]
    private static partial Regex KeyVaultReference();

    private static async Task<JsonObject> CompileMainAsync()
    {
        var root = AzuriteFixture.RepoRoot();
        var proj = Path.Combine(root, "infra", "Infra.proj");
        var version = Regex.Match(await File.ReadAllTextAsync(proj), "<BicepVersion>(.*)</BicepVersion>").Groups[1].Value;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var bicep = Path.Combine(packages, "azure.bicep.commandline.linux-x64", version, "tools", "bicep");
        if (!File.Exists(bicep)) await RunAsync("dotnet", ["restore", proj, "--nologo", "-v", "q"]);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);

        var output = Path.Combine(Path.GetTempPath(), $"autoresponder-main-{Guid.NewGuid():N}.json");
        try
        {
            await RunAsync(bicep, ["build", Path.Combine(root, "infra", "main.bicep"), "--outfile", output]);
            return JsonNode.Parse(await File.ReadAllTextAsync(output))!.AsObject();
        }
        finally { File.Delete(output); }
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await stdout}{await stderr}");
    }
}
