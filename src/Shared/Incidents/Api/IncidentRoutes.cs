using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Incidents.Resources;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;
using static AutoResponder.Incidents.Actions.IncidentActionRoutes;

namespace AutoResponder.Incidents.Api;

/// <summary>
/// The incident routes: the list, one incident and its sub-resources, the human actions. Each route is declared once
/// here (see <see cref="ApiRoute"/>).
/// </summary>
public static class IncidentRoutes
{
    public const string ListIncidents = nameof(ListIncidents);
    public const string ListIncidentsPath = "api/incidents";
    public const string GetIncident = nameof(GetIncident);
    public const string GetIncidentPath = "api/incidents/{id}";
    public const string GetIncidentTimeline = nameof(GetIncidentTimeline);
    public const string GetIncidentTimelinePath = "api/incidents/{id}/timeline";
    public const string GetIncidentAlerts = nameof(GetIncidentAlerts);
    public const string GetIncidentAlertsPath = "api/incidents/{id}/alerts";
    public const string GetIncidentActions = nameof(GetIncidentActions);
    public const string GetIncidentActionsPath = "api/incidents/{id}/actions";
    public const string AcknowledgeIncident = nameof(AcknowledgeIncident);
    public const string AcknowledgeIncidentPath = "api/incidents/{id}/acknowledge";
    public const string UpdateIncidentStatus = nameof(UpdateIncidentStatus);
    public const string UpdateIncidentStatusPath = "api/incidents/{id}/status";
    public const string MitigateIncident = nameof(MitigateIncident);
    public const string MitigateIncidentPath = "api/incidents/{id}/mitigate";
    public const string ResolveIncident = nameof(ResolveIncident);
    public const string ResolveIncidentPath = "api/incidents/{id}/resolve";
    public const string CloseIncident = nameof(CloseIncident);
    public const string CloseIncidentPath = "api/incidents/{id}/close";

    /// <summary>A paged "GET /api/incidents/{id}/…" for viewers.</summary>
    private static ApiRoute SubResource(string operationId, string path, string summary, Type page,
        Func<RouteCall, Task<Microsoft.AspNetCore.Http.IResult>> handler) =>
        new(operationId, "GET", path, RouteAccess.Read, "Incidents", summary, [Id, Limit, Cursor], null, false,
            [new(200, "One page; follow nextCursor until it is null.", page), NotFound, BadInput], handler);

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(ListIncidents, "GET", ListIncidentsPath, RouteAccess.Read, "Incidents",
            "List incidents, newest first: live ones (newest opened first), then closed ones (newest closed first). " +
            "Default: every incident not closed.",
            [
                new("status", ParameterIn.Query,
                    "Comma-separated statuses: open, acknowledged, mitigated, resolved, closed."),
                new("severity", ParameterIn.Query, "Comma-separated severities: Sev0 … Sev4."),
                new("service", ParameterIn.Query, "Only incidents of this service (case-insensitive)."),
                new("since", ParameterIn.Query, "Only incidents opened at or after this ISO-8601 date-time.",
                    Format: "date-time"),
                Limit, Cursor,
            ], null, false,
            [new(200, "One page; follow nextCursor until it is null. A page may hold fewer than limit items.",
                typeof(IncidentList)), BadInput],
            async c => await c.Get<IncidentsEndpoint>().ListAsync(c.Request, c.Ct)),
        new(GetIncident, "GET", GetIncidentPath, RouteAccess.Read, "Incidents",
            "One incident with its typed summaries; the ETag header is what If-Match takes.",
            [Id], null, false, [new(200, "The incident.", typeof(IncidentResource), ETag: true), NotFound],
            async c => await c.Get<IncidentsEndpoint>().GetAsync(c.Id, c.Ct)),
        SubResource(GetIncidentTimeline, GetIncidentTimelinePath, "The incident's timeline, oldest first.",
            typeof(TimelinePage),
            async c => await c.Get<IncidentsEndpoint>().TimelineAsync(c.Request, c.Id, c.Ct)),
        SubResource(GetIncidentAlerts, GetIncidentAlertsPath, "The incident's alerts (latest state of each).",
            typeof(AlertPage),
            async c => await c.Get<IncidentsEndpoint>().AlertsAsync(c.Request, c.Id, c.Ct)),
        SubResource(GetIncidentActions, GetIncidentActionsPath,
            "The incident's side effects (outbox actions) in the order owed.", typeof(ActionPage),
            async c => await c.Get<IncidentsEndpoint>().ActionsAsync(c.Request, c.Id, c.Ct)),
        IncidentAction(AcknowledgeIncident, AcknowledgeIncidentPath,
            "Take ownership: open/acknowledged → acknowledged; owner defaults to the caller (another name: hand-over).",
            typeof(AcknowledgeRequest), false,
            async c => await c.Get<IncidentsEndpoint>().AcknowledgeAsync(c.Request, c.Caller, c.Id, c.Ct)),
        IncidentAction(UpdateIncidentStatus, UpdateIncidentStatusPath,
            "Post a status update (text, next steps, ETA) on a live incident. An ETA before now (more than a minute, " +
            "for clock skew) is refused: 422 naming 'eta', nothing stored.", typeof(StatusUpdateRequest), true,
            async c => await c.Get<IncidentsEndpoint>().StatusAsync(c.Request, c.Caller, c.Id, c.Ct)),
        IncidentAction(MitigateIncident, MitigateIncidentPath, "open/acknowledged → mitigated.",
            typeof(IncidentNoteRequest), false,
            async c => await c.Get<IncidentsEndpoint>().MitigateAsync(c.Request, c.Caller, c.Id, c.Ct)),
        IncidentAction(ResolveIncident, ResolveIncidentPath, "open/acknowledged/mitigated → resolved.",
            typeof(IncidentNoteRequest), false,
            async c => await c.Get<IncidentsEndpoint>().ResolveAsync(c.Request, c.Caller, c.Id, c.Ct)),
        IncidentAction(CloseIncident, CloseIncidentPath, "resolved → closed.", typeof(IncidentNoteRequest), false,
            async c => await c.Get<IncidentsEndpoint>().CloseAsync(c.Request, c.Caller, c.Id, c.Ct)),
    ];
}
