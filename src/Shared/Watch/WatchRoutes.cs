using AutoResponder.Access;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Watch;

/// <summary>The watch routes. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class WatchRoutes
{
    public const string GetIncidentWatch = nameof(GetIncidentWatch);
    public const string GetIncidentWatchPath = "api/incidents/{id}/watch";
    public const string HandOverIncidentWatch = nameof(HandOverIncidentWatch);
    public const string HandOverIncidentWatchPath = "api/incidents/{id}/watch/handover";
    public const string SignOffIncidentWatch = nameof(SignOffIncidentWatch);
    public const string SignOffIncidentWatchPath = "api/incidents/{id}/watch/signoff";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(GetIncidentWatch, "GET", GetIncidentWatchPath, RouteAccess.Read, "Watch",
            "The watch of the fix: after mitigation and resolution the impact rules keep running on new orders.",
            [Id], null, false, [new(200, "The watch (running false when none).", typeof(WatchJson)), NotFound],
            async c => await c.Get<WatchEndpoint>().GetAsync(c.Id, c.Ct)),
        new(HandOverIncidentWatch, "POST", HandOverIncidentWatchPath, RouteAccess.Act, "Watch",
            "Hand the watch to a named person (recorded on the timeline).",
            [Id], typeof(WatchHandoverRequest), true,
            [new(200, "The watch.", typeof(WatchJson)),
                Problem(400, "Malformed JSON or a missing field; `field` names it."), NotFound,
             Problem(409, "No watch is running."), BadInput],
            async c => await c.Get<WatchEndpoint>().HandOverAsync(c.Request, c.Caller, c.Id, c.Ct)),
        new(SignOffIncidentWatch, "POST", SignOffIncidentWatchPath, RouteAccess.Act, "Watch",
            "Sign the watch off: the fix holds (recorded on the timeline with the counts).",
            [Id], typeof(WatchSignoffRequest), false,
            [new(200, "The watch as it ended.", typeof(WatchJson)), NotFound, Problem(409, "No watch is running."),
                BadInput],
            async c => await c.Get<WatchEndpoint>().SignOffAsync(c.Request, c.Caller, c.Id, c.Ct)),
    ];
}
