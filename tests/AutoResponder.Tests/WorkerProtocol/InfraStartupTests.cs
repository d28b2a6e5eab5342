using System.Net;
using System.Text.Json.Nodes;
using AutoResponder.FunctionsHost;
using AutoResponder.Tests.Infrastructure;
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

    /// <summary>azd's first `up`: every parameter at its default but the token cache key that preprovision always sets.</summary>
    private static Task<Dictionary<string, string>> DefaultsAsync(bool keyVaultResolves = true) =>
        InfraSettings.ForAzureAsync(
            new Dictionary<string, object?> { ["graphTokenCacheKey"] = TokenCacheKey },
            keyVaultResolves ? new Dictionary<string, string> { ["graph-token-cache-key"] = TokenCacheKey } : new Dictionary<string, string>());

    [Fact]
    public async Task Bicep_defaults_without_Graph_start_the_worker_take_alerts_and_keep_Teams_and_mail_waiting_as_not_configured()
    {
        var infra = await DefaultsAsync();
        Assert.Equal("managedidentity", infra["AzureWebJobsStorage__credential"]); // really the template's settings
        Assert.Equal(TokenCacheKey, infra["AutoResponder__Graph__TokenCacheKey"]);
        Assert.DoesNotContain("AutoResponder__Graph__TenantId", infra.Keys);     // empty values are left out
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
        var health = await people.GetStringAsync("/api/health");
        Assert.Contains("not configured", health, StringComparison.OrdinalIgnoreCase);

        // Nothing lost: the Teams post and the status e-mail are still owed, none done, none dropped.
        var actions = await people.GetStringAsync($"/api/incidents/{id}/actions");
        Assert.Contains("teams", actions, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not configured", actions + await people.GetStringAsync($"/api/incidents/{id}"), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"done\"", actions);
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

        using var anyone = app.NewClient();
        var health = await (await anyone.GetAsync("/api/health")).Content.ReadAsStringAsync();
        Assert.Contains("TokenCacheKey", health);
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
}
