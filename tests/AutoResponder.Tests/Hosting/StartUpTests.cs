using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Graph;
using AutoResponder.Outbox;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Hosting;

/// <summary>
/// The composition root starts with the settings infra writes, whatever optional integration is missing or broken:
/// only storage is required. Over real HTTP on Azurite (the standalone host shares the Function app's composition root).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StartUpTests(AzuriteFixture azurite)
{
    private const string KeyVaultReference = "@Microsoft.KeyVault(SecretUri=https://kv-test.vault.azure.net/secrets/graph-token-cache-key/)";
    private const string GraphClientId = "0c8a2d4e-1111-4a2b-9c3d-5e6f7a8b9c0d";
    private static readonly string TokenCacheKey = Convert.ToBase64String(new byte[32]);

    /// <summary>What infra/app/api.bicep writes with its defaults and no Graph ids (storage aside): in Azure, Teams and status e-mails on.</summary>
    private static List<string> AzureDefaults(string prefix, string outboxFolder, string tokenCacheKey) =>
    [
        "WEBSITE_SITE_NAME=func-api-test",
        $"AutoResponder:StoragePrefix={prefix}",
        $"AutoResponder:Graph:TokenCacheKey={tokenCacheKey}",
        $"AutoResponder:Graph:ManagedIdentityClientId={Guid.NewGuid()}",
        "AutoResponder:Mail:ManagerRecipients:Default=managers@shop.example",
        "AutoResponder:Reminders:Enabled=false",
        "AutoResponder:PublicBaseUrl=https://func-api-test.azurewebsites.net",
        $"AutoResponder:Graph:OutboxFolder={outboxFolder}", // so the test can see that nothing is written to the (read-only) package folder
    ];

    private static string[] GraphConfigured =>
    [
        "AutoResponder:Graph:TenantId=contoso.onmicrosoft.com", $"AutoResponder:Graph:ClientId={GraphClientId}",
        "AutoResponder:Teams:TeamId=team-1", "AutoResponder:Teams:ChannelId=19:chan-1@thread.tacv2", "AutoResponder:Mail:Sender=incidents@shop.example",
    ];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> AlertAsync(RunningHost host)
    {
        var answer = await host.Client.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"Sev1","service":"checkout"}"""));
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        return (string)JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
    }

    private static async Task<JsonArray> ActionsAsync(RunningHost host, string id) =>
        JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/actions?limit=100"))!["actions"]!.AsArray();

    private static JsonNode Action(JsonArray actions, string kind) => actions.First(a => (string?)a!["kind"] == kind)!;

    private static async Task<JsonObject> HealthAsync(RunningHost host) =>
        JsonNode.Parse(await (await host.Client.GetAsync("/api/health")).Content.ReadAsStringAsync())!.AsObject();

    private static IEnumerable<(string Area, string Setting, string Problem)> ToFix(JsonObject health) =>
        health["toFix"]!.AsArray().Select(f => ((string)f!["area"]!, (string)f["setting"]!, (string)f["problem"]!));

    private static void AssertWaitingNotConfigured(JsonNode action, string setting)
    {
        Assert.Equal("pending", ((string?)action["status"])?.ToLowerInvariant());
        Assert.Equal(0, (int)action["attempts"]!);
        Assert.StartsWith("Waiting, not configured: ", (string?)action["lastError"]);
        Assert.Contains(setting, (string?)action["lastError"]);
    }

    private static string NewPrefix() => $"su{Guid.NewGuid():N}"[..14];

    [Fact]
    public async Task Azure_settings_without_Graph_start_take_alerts_and_Teams_and_mail_wait_until_Graph_is_configured()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        var prefix = NewPrefix();
        var folder = Path.Combine(Path.GetTempPath(), $"package-{Guid.NewGuid():N}", ".outbox", "graph");
        string id;

        // Before: the host stopped at start (GraphDeploymentValidator + ValidateOnStart) and took no alert.
        await using (var host = await RunningHost.StartAsync(azurite, null, services =>
                     {
                         services.AddSingleton<TimeProvider>(time);
                         RunningHost.WithoutBackgroundWork(services);
                     }, [.. AzureDefaults(prefix, folder, TokenCacheKey)]))
        {
            id = await AlertAsync(host);
            var runner = host.Services.GetRequiredService<OutboxRunner>();
            for (var minute = 0; minute < 5; minute++) // the sweep comes by every minute: still no attempt spent, nothing parked
            {
                await runner.RunAsync(id, default);
                time.Advance(TimeSpan.FromMinutes(1));
            }

            var actions = await ActionsAsync(host, id);
            AssertWaitingNotConfigured(Action(actions, "teams.post"), "AutoResponder:Graph:TenantId");
            AssertWaitingNotConfigured(Action(actions, "status-email"), "AutoResponder:Graph:ClientId");
            Assert.DoesNotContain(actions, a => ((string?)a!["status"])?.ToLowerInvariant() == "failed");
            Assert.False(Directory.Exists(folder)); // never tried to write to the package folder

            var health = await HealthAsync(host);
            Assert.Contains(ToFix(health), f => f.Area == "Graph" && f.Setting == "AutoResponder__Graph__TenantId" && f.Problem.Contains("AutoResponder:Graph:ClientId"));
            Assert.Equal("warning", (string?)health["checks"]!.AsArray().Single(c => (string?)c!["name"] == "graph-sign-in")!["status"]);

            var console = await host.Client.GetStringAsync("/incidents");
            Assert.Contains("id=\"to-fix\"", console);
            Assert.Contains("AutoResponder__Graph__TenantId", console);
        }

        // Restarted with Graph configured: what waited goes out, once, with its first attempt.
        var graph = new FakeGraphHandler();
        await using (var host = await RunningHost.StartAsync(azurite, null, services =>
                     {
                         services.AddSingleton<TimeProvider>(time);
                         services.AddSingleton(new GraphTransport(() => graph));
                         services.AddSingleton<IGraphCredentials>(new FixedCredentials());
                         RunningHost.WithoutBackgroundWork(services);
                     }, [.. AzureDefaults(prefix, folder, TokenCacheKey), .. GraphConfigured]))
        {
            Assert.Empty(ToFix(await HealthAsync(host)));
            await host.Services.GetRequiredService<OutboxRunner>().RunAsync(id, default);

            Assert.Single(graph.Posts("/teams/team-1/channels/19:chan-1@thread.tacv2/messages"));
            Assert.Contains(graph.SendMails, m => m.Path == "/v1.0/users/incidents@shop.example/sendMail");
            var actions = await ActionsAsync(host, id);
            foreach (var kind in new[] { "teams.post", "status-email" })
            {
                Assert.Equal("done", ((string?)Action(actions, kind)["status"])?.ToLowerInvariant());
                Assert.Equal(1, (int)Action(actions, kind)["attempts"]!);
            }
        }
    }

    [Fact]
    public async Task An_unresolved_Key_Vault_reference_does_not_stop_start_up_and_health_names_the_setting()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        var folder = Path.Combine(Path.GetTempPath(), $"package-{Guid.NewGuid():N}");
        // Before: GraphOptionsValidator refused the literal text as a key and the host stopped at start.
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            RunningHost.WithoutBackgroundWork(services);
        }, [.. AzureDefaults(NewPrefix(), folder, KeyVaultReference), .. GraphConfigured]);

        var id = await AlertAsync(host);
        await host.Services.GetRequiredService<OutboxRunner>().RunAsync(id, default);

        var health = await HealthAsync(host);
        Assert.Contains(ToFix(health), f => f.Area == "Key Vault" && f.Setting == "AutoResponder__Graph__TokenCacheKey");
        Assert.Contains(ToFix(health), f => f.Area == "Graph" && f.Setting == "AutoResponder__Graph__TokenCacheKey" && f.Problem.Contains("did not resolve"));
        Assert.DoesNotContain(KeyVaultReference, health.ToJsonString()); // the finding names the setting, not its value
        AssertWaitingNotConfigured(Action(await ActionsAsync(host, id), "teams.post"), "AutoResponder:Graph:TokenCacheKey");
        Assert.Contains("AutoResponder__Graph__TokenCacheKey", await host.Client.GetStringAsync("/incidents"));
    }

    [Fact]
    public async Task Status_emails_with_nobody_to_send_them_to_wait_and_health_names_the_setting()
    {
        // Before: the status e-mail was parked as failed ("No manager recipients") on every incident; nothing said so at start.
        await using var host = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork,
            $"AutoResponder:StoragePrefix={NewPrefix()}", "AutoResponder:Teams:Enabled=false", "AutoResponder:Reminders:Enabled=false");

        var id = await AlertAsync(host);
        var runner = host.Services.GetRequiredService<OutboxRunner>();
        await runner.RunAsync(id, default);
        await runner.RunAsync(id, default);

        var actions = await ActionsAsync(host, id);
        AssertWaitingNotConfigured(Action(actions, "status-email"), "AutoResponder:Mail:ManagerRecipients");
        Assert.DoesNotContain(actions, a => ((string?)a!["status"])?.ToLowerInvariant() == "failed");
        Assert.Contains(ToFix(await HealthAsync(host)), f => f.Area == "Mail" && f.Setting == "AutoResponder__Mail__ManagerRecipients__Default");
    }

    [Theory]
    [InlineData("AutoResponder:Access:Entra:TenantId=contoso.onmicrosoft.com", "Entra sign-in", "AutoResponder__Access__Entra__Audience")]
    [InlineData("AutoResponder:Access:Entra:Instance=http://login.example", "Entra sign-in", "AutoResponder__Access__Entra__Instance")]
    [InlineData("AutoResponder:Switches:AppConfiguration:Endpoint=" + KeyVaultReference, "App Configuration", "AutoResponder__Switches__AppConfiguration__Endpoint")]
    [InlineData("AutoResponder:Mail:Sender=not-an-address", "Mail", "AutoResponder__Mail__Sender")]
    [InlineData("AutoResponder:Teams:Routes:0:Severities:0=Sev9", "Teams", "AutoResponder__Teams__Routes__0__ChannelId")]
    [InlineData("AutoResponder:Graph:Mode=sometimes", "Graph", "AutoResponder__Graph__Mode")]
    [InlineData("AutoResponder:StatusEmails:CadenceMinutes:Sev2=1", "Status e-mails", "AutoResponder__StatusEmails__CadenceMinutes__Sev2")]
    public async Task A_broken_optional_integration_never_stops_start_up_or_intake_and_health_names_the_setting(string setting, string area, string named)
    {
        // Before: each of these stopped start-up (ValidateOnStart), and with it intake.
        await using var host = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork, setting);

        await AlertAsync(host);
        var health = await HealthAsync(host);
        Assert.Contains(ToFix(health), f => f.Area == area && f.Setting == named);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task The_Function_app_without_storage_exits_non_zero_naming_the_setting(string? storage)
    {
        var app = Path.Combine(AppContext.BaseDirectory, "AutoResponder.Functions.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(app);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        if (storage is not null) start.Environment["AzureWebJobsStorage"] = storage;
        start.Environment["WEBSITE_SITE_NAME"] = "func-api-test";

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); Assert.Fail("the Function app did not exit without storage"); }

        Assert.Equal(1, process.ExitCode);
        var message = await stderr + await stdout;
        Assert.Contains("AutoResponder cannot start", message);
        Assert.Contains("'AzureWebJobsStorage'", message);
    }

    private sealed class FixedCredentials : IGraphCredentials
    {
        public TokenCredential Delegated { get; } = new FixedTokenCredential("delegated");
        public TokenCredential AppOnly { get; } = new FixedTokenCredential("app-only");
    }
}
