using AutoResponder.Http.OpenApi;

namespace AutoResponder.Access;

/// <summary>Who may call a route: anyone, alert senders with the ingest key, or people holding one of <see cref="AnyOf"/>.</summary>
public sealed record RouteAccess(bool Public, bool Ingest, IReadOnlyList<string> AnyOf)
{
    public static RouteAccess Anyone { get; } = new(true, false, []);
    public static RouteAccess IngestKey { get; } = new(false, true, []);
    public static RouteAccess People(params string[] anyOf) => new(false, false, anyOf);

    public override string ToString() => Public ? "none" : Ingest ? "ingest key" : string.Join(" or ", AnyOf);
}

/// <summary>
/// The one table of who may call each HTTP route, by operation id (the Function's name and the id in
/// <see cref="ApiCatalog"/>, which holds the method and path). The Function classes (src/Functions) and the
/// standalone host (src/Cli/Serve) both pass the operation id to <see cref="AccessGate"/>; tests check that
/// every operation of the catalog, in both hosts, has an entry here.
/// </summary>
public static class ApiRoutes
{
    public const string ReceiveAlerts = nameof(ReceiveAlerts);
    public const string ReceiveChanges = nameof(ReceiveChanges);
    public const string GetIncidentChanges = nameof(GetIncidentChanges);
    public const string AddActionItem = nameof(AddActionItem);
    public const string UpdateActionItemStatus = nameof(UpdateActionItemStatus);
    public const string ListActionItems = nameof(ListActionItems);
    public const string ListIncidents = nameof(ListIncidents);
    public const string GetIncident = nameof(GetIncident);
    public const string GetIncidentTimeline = nameof(GetIncidentTimeline);
    public const string GetIncidentAlerts = nameof(GetIncidentAlerts);
    public const string GetIncidentActions = nameof(GetIncidentActions);
    public const string AcknowledgeIncident = nameof(AcknowledgeIncident);
    public const string UpdateIncidentStatus = nameof(UpdateIncidentStatus);
    public const string MitigateIncident = nameof(MitigateIncident);
    public const string ResolveIncident = nameof(ResolveIncident);
    public const string CloseIncident = nameof(CloseIncident);
    public const string RecordPostmortem = nameof(RecordPostmortem);
    public const string RescheduleReminder = nameof(RescheduleReminder);
    public const string GetIncidentImpact = nameof(GetIncidentImpact);
    public const string RefreshIncidentImpact = nameof(RefreshIncidentImpact);
    public const string CorrectIncidentImpactRules = nameof(CorrectIncidentImpactRules);
    public const string DownloadImpactExport = nameof(DownloadImpactExport);
    public const string GetPostmortemDraft = nameof(GetPostmortemDraft);
    public const string GetOpenApiDocument = nameof(GetOpenApiDocument);
    public const string ListSwitches = nameof(ListSwitches);
    public const string FlipSwitch = nameof(FlipSwitch);
    public const string GetIncidentWatch = nameof(GetIncidentWatch);
    public const string HandOverIncidentWatch = nameof(HandOverIncidentWatch);
    public const string SignOffIncidentWatch = nameof(SignOffIncidentWatch);
    public const string RetryParkedActions = nameof(RetryParkedActions);
    public const string RetryParkedAction = nameof(RetryParkedAction);
    public const string GetOnCall = nameof(GetOnCall);
    public const string PutOnCallSchedule = nameof(PutOnCallSchedule);
    public const string PutOnCallPolicy = nameof(PutOnCallPolicy);
    public const string RequestResponder = nameof(RequestResponder);
    public const string AcknowledgeResponder = nameof(AcknowledgeResponder);
    public const string GetHealth = nameof(GetHealth);

    private static readonly RouteAccess Read = RouteAccess.People(Roles.Viewer);
    private static readonly RouteAccess Act = RouteAccess.People(Roles.Responder);

    public static readonly IReadOnlyDictionary<string, RouteAccess> Access = new Dictionary<string, RouteAccess>
    {
        [ReceiveAlerts] = RouteAccess.IngestKey,
        // Deploy and change events come from CI (GitHub, Azure DevOps), which sends the ingest key like an alert sender.
        [ReceiveChanges] = RouteAccess.IngestKey,
        [GetIncidentChanges] = Read,
        [AddActionItem] = Act,
        [UpdateActionItemStatus] = Act,
        [ListActionItems] = Read,
        [ListIncidents] = Read,
        [GetIncident] = Read,
        [GetIncidentTimeline] = Read,
        [GetIncidentAlerts] = Read,
        [GetIncidentActions] = Read,
        [AcknowledgeIncident] = Act,
        [UpdateIncidentStatus] = Act,
        [MitigateIncident] = Act,
        [ResolveIncident] = Act,
        [CloseIncident] = Act,
        [RecordPostmortem] = Act,
        [RescheduleReminder] = Act,
        [GetIncidentImpact] = Read,
        [RefreshIncidentImpact] = Act,
        [CorrectIncidentImpactRules] = Act,
        // Customer data (e-mail addresses, order lines): operations and responders only, never viewers; audited on the timeline.
        [DownloadImpactExport] = RouteAccess.People(Roles.Ops, Roles.Responder),
        // The draft is the incident, its timeline and the impact summary (counts, money at risk), which viewers read anyway.
        [GetPostmortemDraft] = Read,
        [GetOpenApiDocument] = RouteAccess.Anyone,
        // Storefronts poll the switches with a storefront token, which opens this route and nothing else.
        [ListSwitches] = RouteAccess.People(Roles.Viewer, Roles.Storefront),
        [FlipSwitch] = Act,
        [GetIncidentWatch] = Read,
        [HandOverIncidentWatch] = Act,
        [SignOffIncidentWatch] = Act,
        [RetryParkedActions] = Act,
        [RetryParkedAction] = Act,
        [GetOnCall] = Read,
        // Who gets woken up at night: admins only.
        [PutOnCallSchedule] = RouteAccess.People(Roles.Admin),
        [PutOnCallPolicy] = RouteAccess.People(Roles.Admin),
        [RequestResponder] = Act,
        [AcknowledgeResponder] = Act,
        // Probes (App Service health check, uptime monitors) carry no token and get the status only; people who may read get the checks.
        [GetHealth] = RouteAccess.Anyone,
    };

    /// <summary>The route's method, path (with /api/) and access.</summary>
    public static (string Method, string Path, RouteAccess Access) Get(string operationId)
    {
        if (!Access.TryGetValue(operationId, out var access))
            throw new InvalidOperationException($"Operation '{operationId}' has no entry in {nameof(ApiRoutes)}.{nameof(Access)}.");
        var operation = ApiCatalog.Operations.FirstOrDefault(o => o.OperationId == operationId)
            ?? throw new InvalidOperationException($"Operation '{operationId}' is not in {nameof(ApiCatalog)}.");
        return (operation.Method, "/api/" + operation.Route, access);
    }
}
