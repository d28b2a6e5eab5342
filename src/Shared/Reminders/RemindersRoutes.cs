using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Http.OpenApi;
using AutoResponder.Incidents.Actions;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.Reminders;

/// <summary>The RCA follow-up routes. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class RemindersRoutes
{
    public const string RecordPostmortem = nameof(RecordPostmortem);
    public const string RecordPostmortemPath = "api/incidents/{id}/postmortem";
    public const string GetPostmortemDraft = nameof(GetPostmortemDraft);
    public const string GetPostmortemDraftPath = "api/incidents/{id}/postmortem/draft";
    public const string RescheduleReminder = nameof(RescheduleReminder);
    public const string RescheduleReminderPath = "api/incidents/{id}/reminders/{kind}";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        IncidentActionRoutes.IncidentAction(RecordPostmortem, RecordPostmortemPath,
            "Record the postmortem link: completes the RCA and cancels the reminders left.", typeof(PostmortemRequest),
            true,
            async c => await c.Get<RemindersEndpoint>().PostmortemAsync(c.Request, c.Caller, c.Id, c.Ct)),
        // The draft is the incident, its timeline and the impact summary (counts, money at risk), which viewers read
        // anyway.
        new(GetPostmortemDraft, "GET", GetPostmortemDraftPath, RouteAccess.Read, "Incidents",
            "The latest postmortem draft (Markdown) generated at resolution: the incident, its timeline and the " +
            "impact summary, no customer records. Any role may read it.",
            [Id], null, false,
            [new(200, "The draft.", null, MediaType: "text/markdown"),
                Problem(404, "No such incident (`field` id) or no draft yet (`field` draft).")],
            async c => await c.Get<RemindersEndpoint>().DraftAsync(c.Id, c.Ct)),
        new(RescheduleReminder, "POST", RescheduleReminderPath, RouteAccess.Act, "Incidents",
            "Move one RCA reminder to a new due date.",
            [Id, new("kind", ParameterIn.Path, "The reminder.", Required: true, Values: ReminderKinds.All), IfMatch],
            typeof(RescheduleReminderRequest), true, IncidentActionRoutes.ActionResponses(),
            async c => await c.Get<RemindersEndpoint>().RescheduleAsync(c.Request, c.Caller, c.Id, c["kind"], c.Ct)),
    ];
}

/// <summary>
/// {"link"}: the postmortem's absolute http(s) URL (normalised); bound here for the API and the console alike.
/// </summary>
internal sealed record PostmortemRequest(string Link)
{
    public static PostmortemRequest? Bind(RequestFields fields) =>
        fields.Url("link", required: true) is { } link ? new(new Uri(link).ToString()) : null;
}

/// <summary>{"dueAt"}: documented body of RescheduleReminder (its endpoint checks it against the clock).</summary>
internal sealed record RescheduleReminderRequest(DateTimeOffset DueAt);
