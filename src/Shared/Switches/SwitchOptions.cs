using AutoResponder.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.Switches;

/// <summary>
/// Settings under "AutoResponder:Switches" (environment: AutoResponder__Switches__Declared__0__Name). Validated at
/// start-up.
/// </summary>
public sealed class SwitchOptions
{
    public const string Section = "AutoResponder:Switches";

    /// <summary>The stop-the-impact switches a responder may flip, e.g. checkout-paused, maintenance-banner.</summary>
    public List<SwitchDeclaration> Declared { get; set; } = [];
    /// <summary>How long a storefront may cache GET /api/switches (Cache-Control max-age).</summary>
    public int CacheSeconds { get; set; } = 10;
    /// <summary>
    /// A switch still on this long after its incident resolved nudges the owner (once per resolution).
    /// </summary>
    public int NudgeAfterMinutes { get; set; } = 60;
    // How often both hosts look for switches left on: NudgeSchedule (SwitchNudgeJob.Schedule).
    /// <summary>Optional mirror to Azure App Configuration feature flags (off by default).</summary>
    public AppConfigurationMirrorOptions AppConfiguration { get; set; } = new();

    public SwitchDeclaration? Find(string name)
        => Declared.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
}

public sealed class SwitchDeclaration
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
}

public sealed class AppConfigurationMirrorOptions
{
    /// <summary>
    /// https://{store}.azconfig.io — identity-based (DefaultAzureCredential / managed identity); unset = no mirror.
    /// </summary>
    public string? Endpoint { get; set; }
    /// <summary>Feature flag label (optional).</summary>
    public string? Label { get; set; }
    /// <summary>Managed identity client id (user-assigned), optional.</summary>
    public string? ClientId { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    public const string Area = "App Configuration";
    public const string Effect =
        "switch flips are not mirrored to App Configuration feature flags; the mirror actions wait in the outbox (no " +
        "attempts spent)";

    public IReadOnlyList<string> Problems() =>
        !Enabled || (Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Scheme == "https") ? []
        : [KeyVaultReferences.IsUnresolved(Endpoint)
            ? $"{SwitchOptions.Section}:AppConfiguration:Endpoint is a Key Vault reference that did not resolve."
            : $"{SwitchOptions.Section}:AppConfiguration:Endpoint must be an https URL such as https://mystore.azconfig.io (is '{Endpoint}')."];
}

internal sealed class SwitchOptionsValidator : IValidateOptions<SwitchOptions>
{
    public ValidateOptionsResult Validate(string? name, SwitchOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{SwitchOptions.Section}:{setting} {message}"); }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Declared.Count; i++)
        {
            var d = o.Declared[i];
            Check(IsName(d.Name), $"Declared:{i}:Name",
                $"must be 1-64 lower-case letters, digits, '-', '_' or '.' (is '{d.Name}').");
            Check(!IsName(d.Name) || names.Add(d.Name), $"Declared:{i}:Name", $"'{d.Name}' is declared twice.");
        }
        Check(o.CacheSeconds is >= 0 and <= 3600, nameof(o.CacheSeconds),
            $"must be between 0 and 3600 (is {o.CacheSeconds}).");
        Check(o.NudgeAfterMinutes is >= 1 and <= 7 * 24 * 60, nameof(o.NudgeAfterMinutes),
            $"must be between 1 and 10080 (is {o.NudgeAfterMinutes}).");
        // The App Configuration mirror is optional: its problems are findings (AppConfigurationMirrorOptions.Problems),
        // never a stopped start-up.
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static bool IsName(string? s)
        => s is { Length: >= 1 and <= 64 }
        && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');
}
