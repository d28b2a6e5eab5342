using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Incidents.Actions;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.OnCall;

/// <summary>The on-call routes. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class OnCallRoutes
{
    public const string GetOnCall = nameof(GetOnCall);
    public const string GetOnCallPath = "api/oncall";
    public const string PutOnCallSchedule = nameof(PutOnCallSchedule);
    public const string PutOnCallSchedulePath = "api/oncall/schedules/{name}";
    public const string PutOnCallPolicy = nameof(PutOnCallPolicy);
    public const string PutOnCallPolicyPath = "api/oncall/policies/{name}";
    public const string RequestResponder = nameof(RequestResponder);
    public const string RequestResponderPath = "api/incidents/{id}/responders";
    public const string AcknowledgeResponder = nameof(AcknowledgeResponder);
    public const string AcknowledgeResponderPath = "api/incidents/{id}/responders/acknowledge";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(GetOnCall, "GET", GetOnCallPath, RouteAccess.Read, "On call",
            "Who is on call: per schedule the person now, who is next and the shifts of the next 14 days (hand-offs " +
            "and overrides); the escalation policies. " +
            "Schedules and policies come from settings (AutoResponder:OnCall) and from the PUT routes, which win by name.",
            [], null, false, [new(200, "The schedules and policies in force.", typeof(OnCallResponse))],
            async c => await c.Get<OnCallEndpoint>().GetAsync(c.Ct)),
        // Who gets woken up at night: admins only.
        new(PutOnCallSchedule, "PUT", PutOnCallSchedulePath, RouteAccess.People(Roles.Admin), "On call",
            "Set a schedule (admin): a rotation (members in order, the start date, the local hand-off time, daily or " +
            "weekly shifts, an IANA time zone) and overrides.",
            [new("name", ParameterIn.Path,
                "The schedule's name (letters, digits, '-', '_', '.'), e.g. checkout-primary.", Required: true)],
            typeof(ScheduleRequest), true,
            [new(200, "The schedule as it stands now.", typeof(ScheduleJson)),
                Problem(400, "Malformed JSON or a field of the wrong type; `field` names it."),
             Problem(413, "The body is too large."), BadInput],
            async c => await c.Get<OnCallEndpoint>().PutScheduleAsync(c.Request, c.Caller, c["name"], c.Ct)),
        new(PutOnCallPolicy, "PUT", PutOnCallPolicyPath, RouteAccess.People(Roles.Admin), "On call",
            "Set an escalation policy (admin): levels (schedules and people, minutes to acknowledge before the next " +
            "level), how often to repeat, the services it serves, whether it is the default.",
            [new("name", ParameterIn.Path, "The policy's name, e.g. checkout.", Required: true)],
            typeof(PolicyRequest), true,
            [new(200, "The policy.", typeof(PolicyJson)),
                Problem(400, "Malformed JSON or a field of the wrong type; `field` names it."),
             Problem(413, "The body is too large."), BadInput],
            async c => await c.Get<OnCallEndpoint>().PutPolicyAsync(c.Request, c.Caller, c["name"], c.Ct)),
        new(RequestResponder, "POST", RequestResponderPath, RouteAccess.Act, "On call",
            "Ask someone to help: a person, or a schedule (its person on call now), with a message. They are paged " +
            "the way escalation pages " +
            "(Teams chat, e-mail, an @mention in the thread) and listed on the incident's `responders`. 422 names " +
            "`schedule` (none such) or `person` (not an address).",
            [Id], typeof(ResponderRequest), true,
            IncidentActionRoutes.ActionResponses(),
            async c => await c.Get<RespondersEndpoint>().RequestAsync(c.Request, c.Caller, c.Id, c.Ct)),
        new(AcknowledgeResponder, "POST", AcknowledgeResponderPath, RouteAccess.Act, "On call",
            "The caller, asked to help, says they are on it (their request on the incident's `responders` is " +
            "acknowledged); 404 with `field` person when they were not asked.",
            [Id], null, false,
            IncidentActionRoutes.ActionResponses(),
            async c => await c.Get<RespondersEndpoint>().AcknowledgeAsync(c.Request, c.Caller, c.Id, c.Ct)),
    ];
}
