namespace AutoResponder.Access;

/// <summary>Who may call a route: alert senders with the ingest key, or people holding one of <see cref="AnyOf"/>.</summary>
public sealed record RouteAccess(bool Ingest, IReadOnlyList<string> AnyOf)
{
    public static RouteAccess IngestKey { get; } = new(true, []);
    public static RouteAccess People(params string[] anyOf) => new(false, anyOf);

    public override string ToString() => Ingest ? "ingest key" : string.Join(" or ", AnyOf);
}

/// <summary>One HTTP route: its name (the Function name), method, path and who may call it.</summary>
public sealed record ApiRoute(string Name, string Method, string Path, RouteAccess Access);

/// <summary>
/// The one table of HTTP routes and the role each requires. The Function classes (src/Functions) and the
/// standalone host (src/Cli/Serve) both pass the route name to <see cref="AccessGate"/>; a test checks that
/// both hosts expose exactly these routes.
/// </summary>
public static class ApiRoutes
{
    public const string ReceiveAlerts = nameof(ReceiveAlerts);
    public const string ListIncidents = nameof(ListIncidents);
    public const string GetIncident = nameof(GetIncident);
    public const string AcknowledgeIncident = nameof(AcknowledgeIncident);
    public const string UpdateIncidentStatus = nameof(UpdateIncidentStatus);
    public const string MitigateIncident = nameof(MitigateIncident);
    public const string ResolveIncident = nameof(ResolveIncident);
    public const string CloseIncident = nameof(CloseIncident);
    public const string RecordPostmortem = nameof(RecordPostmortem);
    public const string RescheduleReminder = nameof(RescheduleReminder);
    public const string GetIncidentImpact = nameof(GetIncidentImpact);
    public const string RefreshIncidentImpact = nameof(RefreshIncidentImpact);

    private static readonly RouteAccess Read = RouteAccess.People(Roles.Viewer);
    private static readonly RouteAccess Act = RouteAccess.People(Roles.Responder);

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(ReceiveAlerts, "POST", "/api/alerts", RouteAccess.IngestKey),
        new(ListIncidents, "GET", "/api/incidents", Read),
        new(GetIncident, "GET", "/api/incidents/{id}", Read),
        new(AcknowledgeIncident, "POST", "/api/incidents/{id}/acknowledge", Act),
        new(UpdateIncidentStatus, "POST", "/api/incidents/{id}/status", Act),
        new(MitigateIncident, "POST", "/api/incidents/{id}/mitigate", Act),
        new(ResolveIncident, "POST", "/api/incidents/{id}/resolve", Act),
        new(CloseIncident, "POST", "/api/incidents/{id}/close", Act),
        new(RecordPostmortem, "POST", "/api/incidents/{id}/postmortem", Act),
        new(RescheduleReminder, "POST", "/api/incidents/{id}/reminders/{kind}", Act),
        new(GetIncidentImpact, "GET", "/api/incidents/{id}/impact", Read),
        new(RefreshIncidentImpact, "POST", "/api/incidents/{id}/impact/refresh", Act),
    ];

    public static ApiRoute Get(string name) =>
        All.FirstOrDefault(r => r.Name == name) ?? throw new InvalidOperationException($"Route '{name}' is not in {nameof(ApiRoutes)}.{nameof(All)}.");
}
