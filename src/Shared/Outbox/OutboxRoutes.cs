using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Incidents.Resources;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Outbox;

/// <summary>Re-driving parked actions. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class OutboxRoutes
{
    public const string RetryParkedActions = nameof(RetryParkedActions);
    public const string RetryParkedActionsPath = "api/incidents/{id}/actions/retry";
    public const string RetryParkedAction = nameof(RetryParkedAction);
    public const string RetryParkedActionPath = "api/incidents/{id}/actions/{actionId}/retry";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(RetryParkedActions, "POST", RetryParkedActionsPath, RouteAccess.Act, "Incidents",
            "Re-drive every parked (failed) action of the incident once the cause is fixed: fresh attempts, due now; " +
            "a timeline entry names the signed-in caller.",
            [Id], null, false,
            [new(200, "The incident as it is now.", typeof(IncidentResource), ETag: true),
                Problem(400, "Malformed JSON; `field` names it."),
             NotFound, Problem(409, "Nothing is parked (`field`: actions)."),
             Problem(415, "The body is not application/json."), BadInput],
            async c => await c.Get<OutboxRetryEndpoint>().RetryAllAsync(c.Request, c.Caller, c.Id, c.Ct)),
        new(RetryParkedAction, "POST", RetryParkedActionPath, RouteAccess.Act, "Incidents",
            "Re-drive one parked (failed) action (its id from GET /api/incidents/{id}/actions, URL-encoded).",
            [Id, new("actionId", ParameterIn.Path, "The action id.", Required: true)], null, false,
            [new(200, "The incident as it is now.", typeof(IncidentResource), ETag: true),
                Problem(400, "Malformed JSON; `field` names it."),
             Problem(404, "No such incident or action (`field`: id or actionId)."),
             Problem(409, "The action is not parked (`field`: actionId)."),
             Problem(415, "The body is not application/json."), BadInput],
            async c => await c.Get<OutboxRetryEndpoint>()
                .RetryOneAsync(c.Request, c.Caller, c.Id, c["actionId"], c.Ct)),
    ];
}
