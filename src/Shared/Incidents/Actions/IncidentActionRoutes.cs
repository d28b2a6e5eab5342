using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Incidents.Resources;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Incidents.Actions;

/// <summary>
/// What every "POST /api/incidents/{id}/…" action shares in its declaration: the parameters (id, If-Match), the
/// answers (the incident with its new ETag, or the shared problems). Used by the incident routes and by the features'
/// incident actions (<see cref="IncidentActionRequest"/> runs them).
/// </summary>
internal static class IncidentActionRoutes
{
    private static readonly ApiParameter[] ActionParameters = [Id, IfMatch];

    /// <summary>
    /// What every incident action answers: the incident with its new ETag, or the problems the action shares.
    /// </summary>
    public static IReadOnlyList<ApiResponse> ActionResponses(params ApiResponse[] extra) =>
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

    /// <summary>
    /// A "POST /api/incidents/{id}/…" action for responders (If-Match honoured), answered with the incident.
    /// </summary>
    public static ApiRoute IncidentAction(string operationId, string path, string summary, Type body, bool required,
        Func<RouteCall, Task<Microsoft.AspNetCore.Http.IResult>> handler) =>
        new(operationId, "POST", path, RouteAccess.Act, "Incidents", summary, ActionParameters, body, required,
            ActionResponses(), handler);
}
