using System.Net;
using System.Text.Json.Nodes;
using AutoResponder.FunctionsHost;
using static AutoResponder.Tests.WorkerProtocol.WorkerProtocolRig;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>
/// The Function app started with exactly the app settings infra/main.bicep writes (compiled, read from the ARM JSON;
/// storage swapped for Azurite), as the first `azd up` starts it: an optional integration that is missing or broken
/// never stops the worker; only storage is required.
/// </summary>
[Collection(WorkerProtocolCollection.Name)]
public sealed class InfraStartupTests
{
    /// <summary>The token cache key preprovision generates (base64 of 32 bytes), as the Key Vault secret holds it.</summary>
    private static readonly string TokenCacheKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    /// <summary>
    /// azd's first `up`: every parameter at its default but the token cache key that preprovision always sets, plus
    /// <paramref name="parameters"/> (azd environment values).
    /// </summary>
    private static Task<Dictionary<string, string>> DefaultsAsync(bool keyVaultResolves = true, params (string Name, string Value)[] parameters)
    {
        var all = new Dictionary<string, object?> { ["graphTokenCacheKey"] = TokenCacheKey };
        foreach (var (name, value) in parameters) all[name] = value;
        return InfraSettings.ForAzureAsync(all,
            keyVaultResolves ? new Dictionary<string, string> { ["graph-token-cache-key"] = TokenCacheKey } : new Dictionary<string, string>());
    }

    [Fact]
    public async Task Bicep_settings_without_Graph_start_the_worker_take_alerts_and_keep_Teams_and_mail_waiting_as_not_configured()
    {
        var defaults = await DefaultsAsync();
        Assert.Equal("managedidentity", defaults["AzureWebJobsStorage__credential"]); // really the template's settings
        Assert.Equal(TokenCacheKey, defaults["AutoResponder__Graph__TokenCacheKey"]);
        Assert.DoesNotContain("AutoResponder__Graph__TenantId", defaults.Keys);     // empty values are left out
        // With every default, Teams and status e-mails follow Graph: off without a Graph client id. Switched on, with
        // their channel and recipients chosen but Graph not set yet (azd env values), they must wait, not stop the worker:
        Assert.Equal("false", defaults.GetValueOrDefault("AutoResponder__Teams__Enabled", "false"), ignoreCase: true);
        var infra = await DefaultsAsync(true, ("teamsEnabled", "true"), ("statusEmailsEnabled", "true"), ("teamsTeamId", "team-1"),
            ("teamsChannelId", "19:chan-1@thread.tacv2"), ("mailSender", "incidents@shop.example"), ("mailManagerRecipientsDefault", "managers@shop.example"));
        Assert.Equal("true", infra["AutoResponder__Teams__Enabled"], ignoreCase: true);
        await using var azurite = await StorageAsync();
        var settings = InfraSettings.WithStorage(infra, azurite.ConnectionString);

        await using var app = await StartAsync(settings);
        using var sender = app.NewClient(withKey: true);
        var accepted = await sender.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"Sev1","service":"checkout"}"""));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync() + app.Output);
        var id = (string)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        while (await app.Queues.DrainAsync() > 0) { } // the outbox runs what it can

        using var people = app.NewClient();
        people.DefaultRequestHeaders.Authorization = new("Bearer", await CreateTokenAsync(settings, "responder@shop.example", "responder"));
        Assert.Contains(ToFix(await HealthAsync(app, await CreateTokenAsync(settings, "viewer@shop.example", "viewer"))),
            f => f.Area == "Graph" && f.Setting == "AutoResponder__Graph__TenantId");

        // Nothing lost: the Teams post and the status e-mail wait as "not configured", no attempt spent, none failed.
        var actions = JsonNode.Parse(await people.GetStringAsync($"/api/incidents/{id}/actions?limit=100"))!["actions"]!.AsArray();
        foreach (var kind in new[] { "teams.post", "status-email" })
        {
            var action = actions.First(a => (string?)a!["kind"] == kind)!;
            Assert.True("pending" == ((string?)action["status"])?.ToLowerInvariant(), action.ToJsonString());
            Assert.Equal(0, (int)action["attempts"]!);
            Assert.StartsWith("Waiting, not configured: ", (string?)action["lastError"]);
        }
        Assert.DoesNotContain(actions, a => ((string?)a!["status"])?.ToLowerInvariant() == "failed");
    }

    [Fact]
    public async Task An_unresolved_Key_Vault_reference_starts_the_worker_and_health_names_the_setting()
    {
        var infra = await DefaultsAsync(keyVaultResolves: false);
        Assert.StartsWith("@Microsoft.KeyVault(SecretUri=", infra["AutoResponder__Graph__TokenCacheKey"]);
        await using var azurite = await StorageAsync();
        var settings = InfraSettings.WithStorage(infra, azurite.ConnectionString);

        await using var app = await StartAsync(settings);
        using var sender = app.NewClient(withKey: true);
        var accepted = await sender.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"Sev2"}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        Assert.Contains(ToFix(await HealthAsync(app, await CreateTokenAsync(settings, "viewer@shop.example", "viewer"))),
            f => f.Setting == "AutoResponder__Graph__TokenCacheKey");
    }

    [Fact]
    public async Task Without_its_storage_settings_the_worker_exits_with_a_message_naming_the_setting()
    {
        var settings = (await DefaultsAsync()).Where(s => !s.Key.StartsWith("AzureWebJobsStorage")).ToDictionary();

        var (exitCode, output) = await FunctionApp.RunUntilExitAsync(
            new FunctionAppOptions { AppDirectory = AppDirectory(), Settings = settings, PollQueues = false }, TimeSpan.FromSeconds(60));

        Assert.True(exitCode is not null and not 0, $"the worker kept running (or exited 0) without storage:\n{output}");
        Assert.Contains("AzureWebJobsStorage", output);
    }

    /// <summary>GET /api/health (200 or 503, the same report).</summary>
    private static async Task<JsonObject> HealthAsync(FunctionApp app, string viewerToken)
    {
        using var viewer = app.NewClient(); // anonymous probes get only the status; a viewer gets what to fix
        viewer.DefaultRequestHeaders.Authorization = new("Bearer", viewerToken);
        return JsonNode.Parse(await (await viewer.GetAsync("/api/health")).Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>What /api/health says to fix: area, setting (as App Service names it), problem.</summary>
    private static IEnumerable<(string Area, string Setting, string Problem)> ToFix(JsonObject health) =>
        (health["toFix"]?.AsArray() ?? []).Select(f => ((string)f!["area"]!, (string)f["setting"]!, (string)f["problem"]!));
}
