using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Changes;

/// <summary>
/// The change routes: CI reports changes (ingest key); people read an incident's suspects. Each route is declared once
/// here (see <see cref="ApiRoute"/>).
/// </summary>
public static class ChangesRoutes
{
    public const string ReceiveChanges = nameof(ReceiveChanges);
    public const string ReceiveChangesPath = "api/changes";
    public const string GetIncidentChanges = nameof(GetIncidentChanges);
    public const string GetIncidentChangesPath = "api/incidents/{id}/changes";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        // Deploy and change events come from CI (GitHub, Azure DevOps), which sends the ingest key like an alert
        // sender.
        new(ReceiveChanges, "POST", ReceiveChangesPath, RouteAccess.IngestKey, "Changes",
            "Record a change (deploy, release, push, pipeline run): a GitHub webhook (deployment_status, release " +
            "published, push to the default branch, " +
            "workflow_run completed; X-Hub-Signature-256 checked when AutoResponder:Changes:GitHubSecret is set), an " +
            "Azure DevOps service hook " +
            "(pipeline run state changed, release deployment completed, build completed) or the generic form. " +
            "Repositories and pipelines map to services " +
            "in AutoResponder:Changes:Services. The same delivery twice is recorded once.",
            [new("X-GitHub-Event", ParameterIn.Header, "Set by GitHub: the event name."),
                new("X-GitHub-Delivery", ParameterIn.Header, "Set by GitHub: the delivery id (a redelivery keeps it)."),
             new("X-Hub-Signature-256", ParameterIn.Header,
                 "Set by GitHub: sha256=HMAC of the body under the webhook secret.")],
            typeof(GenericChangeRequest), true,
            [new(202, "recorded, duplicate (already recorded) or ignored (not a change, with the reason).",
                typeof(ChangeReceipt)),
             Problem(400, "Malformed JSON or a missing field; `field` names it (a JSON path)."),
             Problem(401, "A GitHub delivery unsigned or wrongly signed while a secret is set (`field` " +
                 "X-Hub-Signature-256), or no ingest key."),
             Problem(413, "The body is over the size limit."), Problem(415, "The body is not application/json."),
             Problem(422, "An invalid value, or a repository or pipeline not mapped to a service; `field` names it.")],
            async c => await c.Get<ChangesEndpoint>().PostAsync(c.Request, c.Ct)),
        new(GetIncidentChanges, "GET", GetIncidentChangesPath, RouteAccess.Read, "Changes",
            "Suspect changes: the changes to the incident's service and the services it depends on in the hours " +
            "before its first alert " +
            "(AutoResponder:Changes:LookbackHours, default 24), newest first (at most 200). Read now, so a change " +
            "reported late still shows.",
            [Id], null, false, [new(200, "The services and window searched, and the changes.",
                typeof(SuspectChangesJson)), NotFound],
            async c => await c.Get<ChangesEndpoint>().SuspectsAsync(c.Id, c.Ct)),
    ];
}
