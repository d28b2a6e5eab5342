using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.StatusEmails;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.OnCall;

/// <summary>
/// One person asked to help on an incident (row <c>state|responder|{person}</c>): who asked, when, why, when the page
/// went out and when they acknowledged. Asking the same person again renews the request.
/// </summary>
public sealed class ResponderState : IncidentState
{
    public const string KeyPrefix = Prefix + "responder|";

    public string Person { get; set; } = "";
    public string? RequestedBy { get; set; }
    public DateTimeOffset? RequestedAt { get; set; }
    public string? Message { get; set; }
    public DateTimeOffset? PagedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }

    public static string KeyFor(string person) => KeyPrefix + OnCallState.PersonKey(person);
}

/// <summary>A responder as the incident resource lists them.</summary>
public sealed record ResponderJson(string Person, string? RequestedBy, DateTimeOffset? RequestedAt, string? Message, DateTimeOffset? PagedAt, DateTimeOffset? AcknowledgedAt)
{
    public static ResponderJson Of(ResponderState s) => new(s.Person, s.RequestedBy, s.RequestedAt, s.Message, s.PagedAt, s.AcknowledgedAt);
}

/// <summary>POST /api/incidents/{id}/responders body: a person, or a schedule (its person on call now), and a message.</summary>
public sealed record ResponderRequest(string? Person, string? Schedule, string? Message);

/// <summary>
/// POST /api/incidents/{id}/responders pages a person (or a schedule's person on call) the way escalation does, whatever
/// the incident's status short of resolved; POST …/responders/acknowledge is the caller saying they are on it.
/// </summary>
public sealed class RespondersEndpoint(IncidentService incidents, IncidentStates states, OnCallCatalog catalog, IncidentActionRequest actions, TimeProvider time)
{
    private const int MaxBodyBytes = 16 * 1024;

    public Task<ApiResult> RequestAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: true, async (fields, actor) =>
        {
            var person = fields.String("person", required: false, maxLength: 200);
            var scheduleName = fields.String("schedule", required: false, maxLength: 100);
            var message = fields.String("message", required: false, maxLength: 1000);
            if (fields.Error is not null) return fields.Error;
            if ((person is null) == (scheduleName is null)) return Problems.Missing("person");
            if (scheduleName is not null)
            {
                var schedule = (await catalog.CurrentAsync(ct)).Schedule(scheduleName);
                if (schedule is null) return Problems.Invalid("schedule", $"There is no schedule '{scheduleName}' (GET /api/oncall lists them).");
                person = schedule.OnCallAt(time.GetUtcNow());
            }
            if (!MailOptions.LooksLikeAddress(person)) return Problems.Invalid("person", "'person' must be an e-mail address / UPN (the page goes to their Teams chat and mailbox).");
            var key = ResponderState.KeyFor(person!);
            return await actions.RespondWithIncidentAsync(incidents.ChangeAsync(id, async (change, now) =>
            {
                if (change.Incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed)
                    throw new InvalidTransitionException(id, "add a responder to", change.Incident.Status);
                var row = await states.ReadAsync<ResponderState>(id, key, ct);
                (row.Person, row.RequestedBy, row.RequestedAt, row.Message, row.PagedAt, row.AcknowledgedAt) = (person!, actor, now, message, null, null);
                change.States.Add(row);
                var via = scheduleName is null ? "" : $" (on call for {scheduleName})";
                change.Add(now, OnCallKinds.ResponderRequested, actor, $"{actor} asked {person}{via} to help{(message is null ? "." : $": {message}")}").Subject = person;
            }, ct), ct);
        }, ct);

    public Task<ApiResult> AcknowledgeAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: false, async (fields, actor) =>
        {
            var key = ResponderState.KeyFor(actor);
            var row = await states.ReadAsync<ResponderState>(id, key, ct);
            if (!row.Exists) return Problems.Create(StatusCodes.Status404NotFound, "Not a responder", $"{actor} was not asked to help on {id}.", "person");
            return await actions.RespondWithIncidentAsync(incidents.ChangeAsync(id, async (change, now) =>
            {
                var current = await states.ReadAsync<ResponderState>(id, key, ct);
                current.AcknowledgedAt ??= now;
                change.States.Add(current);
                change.Add(now, OnCallKinds.ResponderAcknowledged, actor, $"{actor} is on it (asked by {current.RequestedBy}).");
            }, ct), ct);
        }, ct);
}
