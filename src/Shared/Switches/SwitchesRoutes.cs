using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Switches;

/// <summary>The switch routes. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class SwitchesRoutes
{
    public const string ListSwitches = nameof(ListSwitches);
    public const string ListSwitchesPath = "api/switches";
    public const string FlipSwitch = nameof(FlipSwitch);
    public const string FlipSwitchPath = "api/incidents/{id}/switches/{name}";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        // Storefronts poll the switches with a storefront token (a personal access token or an Entra app role), which
        // opens this route and nothing else.
        new(ListSwitches, "GET", ListSwitchesPath, RouteAccess.People(Roles.Viewer, Roles.Storefront), "Switches",
            "The stop-the-impact switches for storefronts: each declared switch, on or off, since when, by whom, " +
            "from which incident. Cacheable (ETag, Cache-Control).",
            [new("If-None-Match", ParameterIn.Header,
                "The ETag of an earlier answer: 304 without a body when nothing changed.")], null, false,
            [new(200, "The switches.", typeof(SwitchesResponse)), new(304, "Not modified since the ETag given.", null)],
            async c => await c.Get<SwitchesEndpoint>().ListAsync(c.Request, c.Ct)),
        new(FlipSwitch, "POST", FlipSwitchPath, RouteAccess.Act, "Switches",
            "Turn a declared switch on or off from an incident: a timeline entry, a Teams reply, the next status email says so.",
            [Id, new("name", ParameterIn.Path,
                "A switch declared under AutoResponder:Switches:Declared, e.g. checkout-paused.", Required: true)],
            typeof(SwitchFlipRequest), true,
            [new(200, "The switch as it is now; changed is false when it already was in that state.",
                typeof(SwitchFlipResponse)),
             Problem(400, "Malformed JSON or a missing field; `field` names it."),
             Problem(404, "No such incident (`field` id) or switch (`field` name)."),
             Problem(409, "A switch cannot be turned on from a resolved or closed incident."), BadInput],
            async c => await c.Get<SwitchesEndpoint>().FlipAsync(c.Request, c.Caller, c.Id, c["name"], c.Ct)),
    ];
}
