using AutoResponder.Access;
using AutoResponder.Routes;

namespace AutoResponder.Health;

/// <summary>GET /api/health. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class HealthRoutes
{
    public const string GetHealth = nameof(GetHealth);
    public const string GetHealthPath = "api/health";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        // Probes (App Service health check, uptime monitors) carry no token and get the status only; people who may
        // read get the checks.
        new(GetHealth, "GET", GetHealthPath, RouteAccess.Anyone, "API",
            "Is the responder itself healthy: storage reachable, Graph sign-in valid, the oldest open outbox action, " +
            "parked actions, dead-lettered reminders, expiring access tokens; " +
            "`toFix` names each setting of an optional integration (Graph, Teams, mail, Key Vault references, Entra, " +
            "App Configuration) that is missing or broken and what waits until it is fixed. " +
            "Public (probes): status and time only; `checks` and `toFix` only for a signed-in caller who may read " +
            "(viewer and up).",
            [], null, false,
            [new(200, "Healthy: every check ok (warnings allowed).", typeof(HealthReport)),
                new(503, "Unhealthy: the failing checks say why.", typeof(HealthReport))],
            async c => await c.Get<HealthEndpoint>().GetAsync(c.Caller, c.Ct)),
    ];
}
