using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Impact;

/// <summary>The impact routes. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class ImpactRoutes
{
    public const string GetIncidentImpact = nameof(GetIncidentImpact);
    public const string GetIncidentImpactPath = "api/incidents/{id}/impact";
    public const string RefreshIncidentImpact = nameof(RefreshIncidentImpact);
    public const string RefreshIncidentImpactPath = "api/incidents/{id}/impact/refresh";
    public const string CorrectIncidentImpactRules = nameof(CorrectIncidentImpactRules);
    public const string CorrectIncidentImpactRulesPath = "api/incidents/{id}/impact/rules";
    public const string DownloadImpactExport = nameof(DownloadImpactExport);
    public const string DownloadImpactExportPath = "api/incidents/{id}/impact/snapshots/{snapshot}/export";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(GetIncidentImpact, "GET", GetIncidentImpactPath, RouteAccess.Read, "Impact",
            "Customer impact: the latest snapshot and the snapshot history (newest first), each with the route that " +
            "downloads its export.",
            [Id], null, false, [new(200, "The impact.", typeof(ImpactEndpoint.ImpactJson)), NotFound],
            async c => await c.Get<ImpactEndpoint>().GetAsync(c.Id, c.Ct)),
        new(RefreshIncidentImpact, "POST", RefreshIncidentImpactPath, RouteAccess.Act, "Impact",
            "Queue a new impact snapshot and export (through the outbox).",
            [Id], null, false,
            [new(202, "Queued.", typeof(ImpactEndpoint.RefreshJson)), NotFound,
                Problem(409, "A snapshot is already in progress."), BadInput],
            async c => await c.Get<ImpactEndpoint>().RefreshAsync(c.Caller, c.Id, c.Ct)),
        new(CorrectIncidentImpactRules, "POST", CorrectIncidentImpactRulesPath, RouteAccess.Act, "Impact",
            "Correct which impact rules apply: `choose` adds configured rules to the automatic selection (they claim " +
            "orders first), " +
            "`exclude` leaves rules out; the request states the whole correction (empty arrays: back to the " +
            "automatic selection). " +
            "A corrected snapshot is queued (its delta against the previous one: newOrders added, noLongerAffected " +
            "removed); the correction is on " +
            "the timeline and operations get the corrected export, which says it supersedes the earlier one.",
            [Id, IfMatch], typeof(CorrectImpactRulesRequest), true,
            [new(202, "The corrected snapshot is queued; the rules it will apply and why.",
                typeof(ImpactEndpoint.CorrectionAcceptedJson)),
             Problem(400, "Malformed JSON or neither choose nor exclude given; `field` names it."), NotFound,
             Problem(409, "A snapshot is already in progress."),
             Problem(412, "If-Match did not match: the incident changed since it was read."),
             Problem(413, "The body is over the size limit."), Problem(415, "The body is not application/json."),
             Problem(422, "An unknown rule, a rule both chosen and excluded, or a correction that leaves no rule; " +
                 "`field` is choose or exclude.")],
            async c => await c.Get<ImpactEndpoint>().CorrectRulesAsync(c.Request, c.Caller, c.Id, c.Ct)),
        // Customer data (e-mail addresses, order lines): operations and responders only, never viewers; audited on the
        // timeline.
        new(DownloadImpactExport, "GET", DownloadImpactExportPath, RouteAccess.CustomerData, "Impact",
            "Download one snapshot's affected-orders CSV (customer data: roles ops or responder). Streamed from " +
            "private storage; " +
            "every download is recorded on the incident's timeline (export-downloaded: who, when, which snapshot).",
            [Id, new("snapshot", ParameterIn.Path,
                "The snapshot id, e.g. 0001 (snapshotId in GET /api/incidents/{id}/impact).", Required: true)], null,
                false,
            [new(200, "The CSV, as an attachment.", null, MediaType: "text/csv"),
             Problem(404, "No such incident (`field` id), snapshot or stored export (`field` snapshot).")],
            async c => await c.Get<ImpactEndpoint>().ExportAsync(c.Caller, c.Id, c["snapshot"], c.Ct)),
    ];
}
