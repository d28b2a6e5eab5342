using System.Text.Json.Nodes;
using AutoResponder.Access;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Intake;

/// <summary>
/// The alert intake route (for alert senders, with the ingest key). Each route is declared once here (see
/// <see cref="ApiRoute"/>).
/// </summary>
public static class IntakeRoutes
{
    public const string ReceiveAlerts = nameof(ReceiveAlerts);
    public const string ReceiveAlertsPath = "api/alerts";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(ReceiveAlerts, "POST", ReceiveAlertsPath, RouteAccess.IngestKey, "Alerts",
            "Receive alerts: Azure Monitor (common alert schema), Prometheus Alertmanager, Grafana, or the generic " +
            "form {title, severity?, service?, dedupKey?, status?, description?, startsAt?, links?, labels?}.",
            [], typeof(JsonObject), true,
            [new(202, "One result per alert: the incident it went to and the outcome.",
                typeof(AlertsEndpoint.Response)),
             Problem(400, "Malformed or missing input; `field` names it."),
             Problem(413, "The body is over the size limit."),
             Problem(415, "The body is not application/json."), BadInput],
            async c => await c.Get<AlertsEndpoint>().PostAsync(c.Request, c.Ct)),
    ];
}
