using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Actions;
using AutoResponder.Mail;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.OnCall;

/// <summary>
/// One person asked to help on an incident (row <c>state|responder|{person}</c>): who asked, when, why, when the page
/// went out and when they acknowledged. Asking the same person again renews the request.
/// </summary>
internal sealed class ResponderState : IncidentState
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

/// <summary>
/// POST /api/incidents/{id}/responders body: a person, or a schedule (its person on call now), and a message.
/// </summary>
internal sealed record ResponderRequest(string? Person, string? Schedule, string? Message)
{
    /// <summary>
    /// Bound here for the API and the console alike (the service says when neither person nor schedule is given).
    /// </summary>
    public static ResponderRequest? Bind(RequestFields fields)
    {
        var person = fields.String("person", required: false, maxLength: 200);
        var schedule = fields.String("schedule", required: false, maxLength: 100);
        var message = fields.String("message", required: false, maxLength: 1000);
        return fields.Error is null ? new(person, schedule, message) : null;
    }
}

/// <summary>A responder request that names no known schedule, or no address: <see cref="Field"/> says which.</summary>
internal sealed class ResponderRefusedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Asks someone to help on an incident: a person, or a schedule's person on call now. The request is a
/// <c>responder-requested</c> timeline entry beside the responder's row; the effect pages them
/// (<see cref="PageHandler"/>) whatever the incident's status short of resolved. The API and the console's "Add
/// responder" form both call it.
/// </summary>
public sealed class ResponderService(IncidentService incidents, IncidentStates states, OnCallCatalog catalog,
    TimeProvider time)
{
    /// <exception cref="ResponderRefusedException">No such schedule, or the person is not an address.</exception>
    /// <exception cref="InvalidTransitionException">The incident is resolved or closed.</exception>
    public async Task<IncidentRecord> RequestAsync(string id, string? person, string? scheduleName, string? message,
        string actor, IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        if ((person is null) == (scheduleName is null))
            throw new ResponderRefusedException("person", "Name a person or a schedule (one of them).");
        if (scheduleName is not null)
        {
            var schedule = (await catalog.CurrentAsync(ct)).Schedule(scheduleName)
                ?? throw new ResponderRefusedException("schedule",
                    $"There is no schedule '{scheduleName}' (GET /api/oncall lists them).");
            person = schedule.OnCallAt(time.GetUtcNow());
        }
        if (!MailOptions.LooksLikeAddress(person))
            throw new ResponderRefusedException("person",
                "'person' must be an e-mail address / UPN (the page goes to their Teams chat and mailbox).");
        var key = ResponderState.KeyFor(person!);
        return await incidents.ChangeAsync(id, ifMatch, async (change, now) =>
        {
            if (change.Incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed)
                throw new InvalidTransitionException(id, "add a responder to", change.Incident.Status);
            var row = await states.ReadAsync<ResponderState>(id, key, ct);
            (row.Person, row.RequestedBy, row.RequestedAt, row.Message, row.PagedAt, row.AcknowledgedAt) =
                (person!, actor, now, message, null, null);
            change.States.Add(row);
            var via = scheduleName is null ? "" : $" (on call for {scheduleName})";
            change.Add(now, OnCallKinds.ResponderRequested, actor,
                $"{actor} asked {person}{via} to help{(message is null ? "." : $": {message}")}").Subject = person;
        }, ct);
    }

    /// <summary>The caller, asked to help, is on it. Null when they were not asked.</summary>
    public async Task<IncidentRecord?> AcknowledgeAsync(string id, string actor, IncidentPrecondition? ifMatch,
        CancellationToken ct)
    {
        var key = ResponderState.KeyFor(actor);
        if (!(await states.ReadAsync<ResponderState>(id, key, ct)).Exists) return null;
        return await incidents.ChangeAsync(id, ifMatch, async (change, now) =>
        {
            var current = await states.ReadAsync<ResponderState>(id, key, ct);
            current.AcknowledgedAt ??= now;
            change.States.Add(current);
            change.Add(now, OnCallKinds.ResponderAcknowledged, actor,
                $"{actor} is on it (asked by {current.RequestedBy}).");
        }, ct);
    }
}

/// <summary>
/// POST /api/incidents/{id}/responders and POST …/responders/acknowledge (the caller, as themselves).
/// </summary>
internal sealed class RespondersEndpoint(ResponderService responders, IncidentActionRequest actions)
{
    private const int MaxBodyBytes = 16 * 1024;

    public Task<ApiResult> RequestAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: true, async (fields, actor, ifMatch) =>
        {
            if (ResponderRequest.Bind(fields) is not { } body) return fields.Error!;
            try { return await actions.RespondWithIncidentAsync(responders.RequestAsync(id, body.Person, body.Schedule, body.Message, actor, ifMatch, ct), ct); }
            catch (ResponderRefusedException e) { return Problems.Invalid(e.Field, e.Message); }
        }, ct);

    public Task<ApiResult> AcknowledgeAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: false, async (fields, actor, ifMatch) =>
            await responders.AcknowledgeAsync(id, actor, ifMatch, ct) is { } incident
                ? await actions.RespondWithIncidentAsync(Task.FromResult(incident), ct)
                : Problems.Create(StatusCodes.Status404NotFound, "Not a responder",
                    $"{actor} was not asked to help on {id}.", "person"), ct);
}
