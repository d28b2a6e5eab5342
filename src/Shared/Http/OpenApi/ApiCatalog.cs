using System.Text.Json.Nodes;
using AutoResponder.ActionItems;
using AutoResponder.Changes;
using AutoResponder.Impact;
using AutoResponder.OnCall;
using AutoResponder.Switches;
using AutoResponder.Watch;

namespace AutoResponder.Http.OpenApi;

public enum ParameterIn { Path, Query, Header }

/// <summary>A route parameter; <see cref="Values"/> lists the allowed values when they are a closed set.</summary>
public sealed record ApiParameter(string Name, ParameterIn In, string Description, bool Required = false, string Format = "", IReadOnlyList<string>? Values = null);

/// <summary>
/// One documented response: status, description, body type (null: no JSON body), whether it carries the incident's
/// ETag, and for a file (no JSON body) its media type.
/// </summary>
public sealed record ApiResponse(int Status, string Description, Type? Body, bool ETag = false, string? MediaType = null);

/// <summary>
/// One HTTP operation as both hosts expose it. <see cref="OperationId"/> is the Azure Function's name and
/// <see cref="Route"/> its route (without "/api/"); the standalone host maps the same method and path.
/// </summary>
public sealed record ApiOperation(string OperationId, string Method, string Route, string Tag, string Summary,
    IReadOnlyList<ApiParameter> Parameters, Type? RequestBody, bool RequestBodyRequired, IReadOnlyList<ApiResponse> Responses);

/// <summary>Documented bodies of routes whose endpoints read their fields one by one.</summary>
public sealed record PostmortemRequest(string Link);
public sealed record RescheduleReminderRequest(DateTimeOffset DueAt);

/// <summary>
/// The route table of the public API: every HTTP route either host maps is listed here (a test checks both
/// hosts against it), and /api/openapi.json is generated from it and the request/response records it names.
/// Adding a route: a Function class, a line in the standalone host, and an entry here.
/// </summary>
public static class ApiCatalog
{
    private static readonly ApiParameter Id = new("id", ParameterIn.Path, "The incident id, e.g. INC-20261126-4F7K.", Required: true);
    private static readonly ApiParameter IfMatch = new("If-Match", ParameterIn.Header,
        "Optional: the ETag of GET /api/incidents/{id}. When the incident changed since, nothing is changed and the answer is 412.");
    private static readonly ApiParameter Limit = new("limit", ParameterIn.Query, $"Page size, 1 to {PageRequest.MaxLimit} (default {PageRequest.DefaultLimit}).", Format: "int32");
    private static readonly ApiParameter Cursor = new("cursor", ParameterIn.Query, "The nextCursor of the previous page, unchanged (same filters).");

    private static ApiResponse Problem(int status, string description) => new(status, description, typeof(ProblemBody));
    private static readonly ApiResponse NotFound = Problem(404, "No such incident.");
    private static readonly ApiResponse BadInput = Problem(422, "An invalid value; `field` names it.");

    /// <summary>Problems any route can answer.</summary>
    public static readonly IReadOnlyList<ApiResponse> Common =
    [
        Problem(401, "No valid credentials: people send Authorization: Bearer (personal access token or Entra ID token); alert senders the ingest key (x-functions-key header or code query parameter, on POST /api/alerts only)."),
        Problem(403, "Signed in, but without the role the route needs (viewer reads, responder acts, ops downloads exports, admin everything); or the ingest key on a people route."),
        Problem(503, "Storage is unavailable; retry (Retry-After when given)."),
    ];

    private static IReadOnlyList<ApiResponse> ActionResponses(params ApiResponse[] extra) =>
    [
        new(200, "The incident as it is now.", typeof(IncidentResource), ETag: true),
        Problem(400, "Malformed JSON, a missing field, or a malformed If-Match; `field` names it."),
        NotFound,
        Problem(409, "The incident's status does not allow this; `currentStatus` names it."),
        Problem(412, "If-Match did not match: the incident changed since it was read."),
        Problem(413, "The body is over the size limit."),
        Problem(415, "The body is not application/json."),
        BadInput,
        .. extra,
    ];

    private static ApiOperation Action(string operationId, string verb, string summary, Type body, bool required) =>
        new(operationId, "POST", $"incidents/{{id}}/{verb}", "Incidents", summary, [Id, IfMatch], body, required, ActionResponses());

    private static ApiOperation SubResource(string operationId, string resource, string summary, Type page) =>
        new(operationId, "GET", $"incidents/{{id}}/{resource}", "Incidents", summary, [Id, Limit, Cursor], null, false,
            [new(200, "One page; follow nextCursor until it is null.", page), NotFound, BadInput]);

    public static readonly IReadOnlyList<ApiOperation> Operations =
    [
        new("ReceiveAlerts", "POST", "alerts", "Alerts",
            "Receive alerts: Azure Monitor (common alert schema), Prometheus Alertmanager, Grafana, or the generic form {title, severity?, service?, dedupKey?, status?, description?, startsAt?, links?, labels?}.",
            [], typeof(JsonObject), true,
            [new(202, "One result per alert: the incident it went to and the outcome.", typeof(AlertsEndpoint.Response)),
             Problem(400, "Malformed or missing input; `field` names it."), Problem(413, "The body is over the size limit."),
             Problem(415, "The body is not application/json."), BadInput]),

        new("ReceiveChanges", "POST", "changes", "Changes",
            "Record a change (deploy, release, push, pipeline run): a GitHub webhook (deployment_status, release published, push to the default branch, " +
            "workflow_run completed; X-Hub-Signature-256 checked when AutoResponder:Changes:GitHubSecret is set), an Azure DevOps service hook " +
            "(pipeline run state changed, release deployment completed, build completed) or the generic form. Repositories and pipelines map to services " +
            "in AutoResponder:Changes:Services. The same delivery twice is recorded once.",
            [new("X-GitHub-Event", ParameterIn.Header, "Set by GitHub: the event name."), new("X-GitHub-Delivery", ParameterIn.Header, "Set by GitHub: the delivery id (a redelivery keeps it)."),
             new("X-Hub-Signature-256", ParameterIn.Header, "Set by GitHub: sha256=HMAC of the body under the webhook secret.")],
            typeof(GenericChangeRequest), true,
            [new(202, "recorded, duplicate (already recorded) or ignored (not a change, with the reason).", typeof(ChangeReceipt)),
             Problem(400, "Malformed JSON or a missing field; `field` names it (a JSON path)."), Problem(401, "A GitHub delivery unsigned or wrongly signed while a secret is set (`field` X-Hub-Signature-256), or no ingest key."),
             Problem(413, "The body is over the size limit."), Problem(415, "The body is not application/json."),
             Problem(422, "An invalid value, or a repository or pipeline not mapped to a service; `field` names it.")]),
        new("GetIncidentChanges", "GET", "incidents/{id}/changes", "Changes",
            "Suspect changes: the changes to the incident's service and the services it depends on in the hours before its first alert " +
            "(AutoResponder:Changes:LookbackHours, default 24), newest first (at most 200). Read now, so a change reported late still shows.",
            [Id], null, false, [new(200, "The services and window searched, and the changes.", typeof(SuspectChangesJson)), NotFound]),

        new("AddActionItem", "POST", "incidents/{id}/action-items", "Action items",
            "Add an action item from the incident's review: the owner (an e-mail address) is reminded the working day before and on the due date, " +
            "and an open item past its due date is escalated to the incident's managers. On the timeline.",
            [Id], typeof(ActionItemRequest), true,
            [new(201, "The item.", typeof(ActionItemJson)), Problem(400, "Malformed JSON or a missing field; `field` names it."), NotFound,
             Problem(413, "The body is over the size limit."), Problem(415, "The body is not application/json."), BadInput]),
        new("UpdateActionItemStatus", "POST", "incidents/{id}/action-items/{item}/status", "Action items",
            "Mark an action item open, done, or dropped (with a reason). Reminders stop when it is done or dropped. On the timeline.",
            [Id, new("item", ParameterIn.Path, "The item id (itemId).", Required: true)], typeof(ActionItemStatusRequest), true,
            [new(200, "The item.", typeof(ActionItemJson)), Problem(400, "Malformed JSON or a missing field; `field` names it."),
             Problem(404, "No such incident (`field` id) or item (`field` item)."), Problem(415, "The body is not application/json."), BadInput]),
        new("ListActionItems", "GET", "action-items", "Action items",
            "Action items across incidents, from an index (no incident is read).",
            [new("owner", ParameterIn.Query, "Only this owner's items (e-mail address, case-insensitive)."),
             new("status", ParameterIn.Query, "Only items in this status.", Values: ActionItemKinds.Statuses),
             new("overdue", ParameterIn.Query, "true: only open items past their due date."),
             new("limit", ParameterIn.Query, $"Page size, 1 to {ActionItemsEndpoint.MaxLimit} (default {ActionItemsEndpoint.DefaultLimit}).", Format: "int32"), Cursor],
            null, false, [new(200, "One page; follow nextCursor until it is null. A page may hold fewer than limit items.", typeof(ActionItemPage)), BadInput]),

        new("ListIncidents", "GET", "incidents", "Incidents",
            "List incidents, newest first: live ones (newest opened first), then closed ones (newest closed first). Default: every incident not closed.",
            [
                new("status", ParameterIn.Query, "Comma-separated statuses: open, acknowledged, mitigated, resolved, closed."),
                new("severity", ParameterIn.Query, "Comma-separated severities: Sev0 … Sev4."),
                new("service", ParameterIn.Query, "Only incidents of this service (case-insensitive)."),
                new("since", ParameterIn.Query, "Only incidents opened at or after this ISO-8601 date-time.", Format: "date-time"),
                Limit, Cursor,
            ], null, false,
            [new(200, "One page; follow nextCursor until it is null. A page may hold fewer than limit items.", typeof(IncidentList)), BadInput]),

        new("GetIncident", "GET", "incidents/{id}", "Incidents", "One incident with its typed summaries; the ETag header is what If-Match takes.",
            [Id], null, false, [new(200, "The incident.", typeof(IncidentResource), ETag: true), NotFound]),
        SubResource("GetIncidentTimeline", "timeline", "The incident's timeline, oldest first.", typeof(TimelinePage)),
        SubResource("GetIncidentAlerts", "alerts", "The incident's alerts (latest state of each).", typeof(AlertPage)),
        SubResource("GetIncidentActions", "actions", "The incident's side effects (outbox actions) in the order owed.", typeof(ActionPage)),

        Action("AcknowledgeIncident", "acknowledge", "Take ownership: open/acknowledged → acknowledged; owner defaults to the caller (another name: hand-over).", typeof(AcknowledgeRequest), false),
        Action("UpdateIncidentStatus", "status", "Post a status update (text, next steps, ETA) on a live incident.", typeof(StatusUpdateRequest), true),
        Action("MitigateIncident", "mitigate", "open/acknowledged → mitigated.", typeof(IncidentNoteRequest), false),
        Action("ResolveIncident", "resolve", "open/acknowledged/mitigated → resolved.", typeof(IncidentNoteRequest), false),
        Action("CloseIncident", "close", "resolved → closed.", typeof(IncidentNoteRequest), false),
        Action("RecordPostmortem", "postmortem", "Record the postmortem link: completes the RCA and cancels the reminders left.", typeof(PostmortemRequest), true),
        new("GetPostmortemDraft", "GET", "incidents/{id}/postmortem/draft", "Incidents",
            "The latest postmortem draft (Markdown) generated at resolution: the incident, its timeline and the impact summary, no customer records. Any role may read it.",
            [Id], null, false,
            [new(200, "The draft.", null, MediaType: "text/markdown"), Problem(404, "No such incident (`field` id) or no draft yet (`field` draft).")]),
        new("RescheduleReminder", "POST", "incidents/{id}/reminders/{kind}", "Incidents", "Move one RCA reminder to a new due date.",
            [Id, new("kind", ParameterIn.Path, "The reminder.", Required: true, Values: Reminders.ReminderKinds.All), IfMatch],
            typeof(RescheduleReminderRequest), true, ActionResponses()),

        new("GetIncidentImpact", "GET", "incidents/{id}/impact", "Impact",
            "Customer impact: the latest snapshot and the snapshot history (newest first), each with the route that downloads its export.",
            [Id], null, false, [new(200, "The impact.", typeof(ImpactEndpoint.ImpactJson)), NotFound]),
        new("RefreshIncidentImpact", "POST", "incidents/{id}/impact/refresh", "Impact",
            "Queue a new impact snapshot and export (through the outbox).",
            [Id], null, false,
            [new(202, "Queued.", typeof(ImpactEndpoint.RefreshJson)), NotFound, Problem(409, "A snapshot is already in progress."), BadInput]),
        new("CorrectIncidentImpactRules", "POST", "incidents/{id}/impact/rules", "Impact",
            "Correct which impact rules apply: `choose` adds configured rules to the automatic selection (they claim orders first), " +
            "`exclude` leaves rules out; the request states the whole correction (empty arrays: back to the automatic selection). " +
            "A corrected snapshot is queued (its delta against the previous one: newOrders added, noLongerAffected removed); the correction is on " +
            "the timeline and operations get the corrected export, which says it supersedes the earlier one.",
            [Id, IfMatch], typeof(CorrectImpactRulesRequest), true,
            [new(202, "The corrected snapshot is queued; the rules it will apply and why.", typeof(ImpactEndpoint.CorrectionAcceptedJson)),
             Problem(400, "Malformed JSON or neither choose nor exclude given; `field` names it."), NotFound,
             Problem(409, "A snapshot is already in progress."), Problem(412, "If-Match did not match: the incident changed since it was read."),
             Problem(413, "The body is over the size limit."), Problem(415, "The body is not application/json."),
             Problem(422, "An unknown rule, a rule both chosen and excluded, or a correction that leaves no rule; `field` is choose or exclude.")]),
        new("DownloadImpactExport", "GET", "incidents/{id}/impact/snapshots/{snapshot}/export", "Impact",
            "Download one snapshot's affected-orders CSV (customer data: roles ops or responder). Streamed from private storage; " +
            "every download is recorded on the incident's timeline (export-downloaded: who, when, which snapshot).",
            [Id, new("snapshot", ParameterIn.Path, "The snapshot id, e.g. 0001 (snapshotId in GET /api/incidents/{id}/impact).", Required: true)], null, false,
            [new(200, "The CSV, as an attachment.", null, MediaType: "text/csv"),
             Problem(404, "No such incident (`field` id), snapshot or stored export (`field` snapshot).")]),

        new("RetryParkedActions", "POST", "incidents/{id}/actions/retry", "Incidents",
            "Re-drive every parked (failed) action of the incident once the cause is fixed: fresh attempts, due now; a timeline entry names the signed-in caller.",
            [Id], null, false,
            [new(200, "The incident as it is now.", typeof(IncidentResource), ETag: true), Problem(400, "Malformed JSON; `field` names it."),
             NotFound, Problem(409, "Nothing is parked (`field`: actions)."), Problem(415, "The body is not application/json."), BadInput]),
        new("RetryParkedAction", "POST", "incidents/{id}/actions/{actionId}/retry", "Incidents",
            "Re-drive one parked (failed) action (its id from GET /api/incidents/{id}/actions, URL-encoded).",
            [Id, new("actionId", ParameterIn.Path, "The action id.", Required: true)], null, false,
            [new(200, "The incident as it is now.", typeof(IncidentResource), ETag: true), Problem(400, "Malformed JSON; `field` names it."),
             Problem(404, "No such incident or action (`field`: id or actionId)."), Problem(409, "The action is not parked (`field`: actionId)."),
             Problem(415, "The body is not application/json."), BadInput]),

        new("GetHealth", "GET", "health", "API",
            "Is the responder itself healthy: storage reachable, Graph sign-in valid, the oldest open outbox action, parked actions, dead-lettered reminders, expiring access tokens; " +
            "`toFix` names each setting of an optional integration (Graph, Teams, mail, Key Vault references, Entra, App Configuration) that is missing or broken and what waits until it is fixed. " +
            "Public (probes): status and time only; `checks` and `toFix` only for a signed-in caller who may read (viewer and up).",
            [], null, false,
            [new(200, "Healthy: every check ok (warnings allowed).", typeof(Health.HealthReport)), new(503, "Unhealthy: the failing checks say why.", typeof(Health.HealthReport))]),

        new("ListSwitches", "GET", "switches", "Switches",
            "The stop-the-impact switches for storefronts: each declared switch, on or off, since when, by whom, from which incident. Cacheable (ETag, Cache-Control).",
            [new("If-None-Match", ParameterIn.Header, "The ETag of an earlier answer: 304 without a body when nothing changed.")], null, false,
            [new(200, "The switches.", typeof(SwitchesResponse)), new(304, "Not modified since the ETag given.", null)]),
        new("FlipSwitch", "POST", "incidents/{id}/switches/{name}", "Switches",
            "Turn a declared switch on or off from an incident: a timeline entry, a Teams reply, the next status email says so.",
            [Id, new("name", ParameterIn.Path, "A switch declared under AutoResponder:Switches:Declared, e.g. checkout-paused.", Required: true)],
            typeof(SwitchFlipRequest), true,
            [new(200, "The switch as it is now; changed is false when it already was in that state.", typeof(SwitchFlipResponse)),
             Problem(400, "Malformed JSON or a missing field; `field` names it."), Problem(404, "No such incident (`field` id) or switch (`field` name)."),
             Problem(409, "A switch cannot be turned on from a resolved or closed incident."), BadInput]),

        new("GetIncidentWatch", "GET", "incidents/{id}/watch", "Watch",
            "The watch of the fix: after mitigation and resolution the impact rules keep running on new orders.",
            [Id], null, false, [new(200, "The watch (running false when none).", typeof(WatchJson)), NotFound]),
        new("HandOverIncidentWatch", "POST", "incidents/{id}/watch/handover", "Watch", "Hand the watch to a named person (recorded on the timeline).",
            [Id], typeof(WatchHandoverRequest), true,
            [new(200, "The watch.", typeof(WatchJson)), Problem(400, "Malformed JSON or a missing field; `field` names it."), NotFound,
             Problem(409, "No watch is running."), BadInput]),
        new("SignOffIncidentWatch", "POST", "incidents/{id}/watch/signoff", "Watch", "Sign the watch off: the fix holds (recorded on the timeline with the counts).",
            [Id], typeof(WatchSignoffRequest), false,
            [new(200, "The watch as it ended.", typeof(WatchJson)), NotFound, Problem(409, "No watch is running."), BadInput]),

        new("GetOnCall", "GET", "oncall", "On call",
            "Who is on call: per schedule the person now, who is next and the shifts of the next 14 days (hand-offs and overrides); the escalation policies. " +
            "Schedules and policies come from settings (AutoResponder:OnCall) and from the PUT routes, which win by name.",
            [], null, false, [new(200, "The schedules and policies in force.", typeof(OnCallResponse))]),
        new("PutOnCallSchedule", "PUT", "oncall/schedules/{name}", "On call",
            "Set a schedule (admin): a rotation (members in order, the start date, the local hand-off time, daily or weekly shifts, an IANA time zone) and overrides.",
            [new("name", ParameterIn.Path, "The schedule's name (letters, digits, '-', '_', '.'), e.g. checkout-primary.", Required: true)],
            typeof(ScheduleRequest), true,
            [new(200, "The schedule as it stands now.", typeof(ScheduleJson)), Problem(400, "Malformed JSON or a field of the wrong type; `field` names it."),
             Problem(413, "The body is too large."), BadInput]),
        new("PutOnCallPolicy", "PUT", "oncall/policies/{name}", "On call",
            "Set an escalation policy (admin): levels (schedules and people, minutes to acknowledge before the next level), how often to repeat, the services it serves, whether it is the default.",
            [new("name", ParameterIn.Path, "The policy's name, e.g. checkout.", Required: true)],
            typeof(PolicyRequest), true,
            [new(200, "The policy.", typeof(PolicyJson)), Problem(400, "Malformed JSON or a field of the wrong type; `field` names it."),
             Problem(413, "The body is too large."), BadInput]),

        new("RequestResponder", "POST", "incidents/{id}/responders", "On call",
            "Ask someone to help: a person, or a schedule (its person on call now), with a message. They are paged the way escalation pages " +
            "(Teams chat, e-mail, an @mention in the thread) and listed on the incident's `responders`. 422 names `schedule` (none such) or `person` (not an address).",
            [Id], typeof(ResponderRequest), true,
            ActionResponses()),
        new("AcknowledgeResponder", "POST", "incidents/{id}/responders/acknowledge", "On call",
            "The caller, asked to help, says they are on it (their request on the incident's `responders` is acknowledged); 404 with `field` person when they were not asked.",
            [Id], null, false,
            ActionResponses()),

        new("GetOpenApiDocument", "GET", "openapi.json", "API", "This document (OpenAPI 3.1).", [], null, false,
            [new(200, "The OpenAPI document.", typeof(JsonObject))]),
    ];
}
