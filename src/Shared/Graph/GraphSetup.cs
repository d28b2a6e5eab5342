using AutoResponder.Hosting;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Graph;

/// <summary>
/// Whether Graph can be used in this deployment. Graph is optional: a missing or broken Graph setting never stops
/// start-up; it is a <see cref="SetupFinding"/> and every Graph call waits (<see cref="NotConfiguredException"/>:
/// Teams posts and e-mails stay in the outbox, no attempts spent) until the setting is fixed and the app restarted.
/// <list type="bullet">
/// <item>The settings themselves (<see cref="GraphOptionsValidator"/>), a Key Vault reference that did not resolve
/// counting as not set.</item>
/// <item>In Azure (App Service / Functions set WEBSITE_SITE_NAME) the file transport is never used: the package mount
/// is read-only. With Teams or status e-mails on and no TenantId/ClientId, Graph is "not configured": nothing is
/// written anywhere, the work waits.</item>
/// </list>
/// </summary>
internal static class GraphSetup
{
    public const string Area = "Graph";
    public const string AzureSiteSetting = "WEBSITE_SITE_NAME";
    public const string Effect =
        "Teams posts and status e-mails wait in the outbox (no attempts spent) and go out after the app restarts " +
        "with the setting fixed";

    public static bool InAzure(IConfiguration configuration)
        => !string.IsNullOrWhiteSpace(configuration[AzureSiteSetting]);

    /// <summary>In Azure, Graph not live while Teams or status e-mails are on: there is nowhere to send to.</summary>
    public static IEnumerable<string> DeploymentProblems(IConfiguration configuration, GraphOptions o)
    {
        var teams = On(configuration, "AutoResponder:Teams:Enabled");
        var mail = On(configuration, "AutoResponder:StatusEmails:Enabled");
        if (!InAzure(configuration) || o.EffectiveMode == GraphMode.Live || !(teams || mail)) yield break;
        var features = string.Join(" and ", new[] { teams ? "Teams" : null, mail ? "status e-mails" : null }.OfType<string>());
        yield return $"{GraphOptions.Section}:TenantId and {GraphOptions.Section}:ClientId are not set, and " +
            $"{features} are on: in Azure nothing is written to " +
                     $"the file outbox (the package folder is read-only). Set both (azd env: AUTORESPONDER_GRAPH_TENANT_ID, AUTORESPONDER_GRAPH_CLIENT_ID; then `autoresponder graph login`), " +
                     $"or turn {features} off (azd env: AUTORESPONDER_TEAMS_ENABLED / " +
                     $"AUTORESPONDER_STATUS_EMAILS_ENABLED = false).";
    }

    // on unless set to false
    private static bool On(IConfiguration configuration, string setting)
        => !bool.TryParse(configuration[setting], out var on) || on;
}

/// <summary>File mode's stand-in when Graph cannot be used: every request waits, nothing is written or sent.</summary>
internal sealed class NotConfiguredGraphHandler(IntegrationSettings<GraphOptions> settings) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request,
        CancellationToken cancellationToken)
    {
        settings.ThrowIfNotReady();
        throw new NotConfiguredException(GraphSetup.Area, "Graph is not configured.");
    }
}
