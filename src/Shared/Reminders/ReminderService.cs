using AutoResponder.Incidents;

namespace AutoResponder.Reminders;

/// <summary>A request the incident's RCA state does not allow (HTTP 409).</summary>
internal sealed class ReminderConflictException(string message) : Exception(message);

/// <summary>
/// Human actions on the RCA follow-up: record the postmortem (completes the RCA; what is still scheduled
/// is cancelled by the outbox) and move a reminder's due date.
/// </summary>
public sealed class ReminderService(IncidentService incidents, IncidentStates states, BusinessCalendar calendar)
{
    public Task<IncidentRecord> CompletePostmortemAsync(string id, string link, string actor,
        IncidentPrecondition? ifMatch, CancellationToken ct) =>
        ChangeAsync(id, ifMatch, "record the postmortem of", async (change, now) =>
        {
            var postmortem = await states.ReadAsync<PostmortemState>(id, ct);
            (postmortem.Link, postmortem.CompletedAt) = (link, now);
            change.States.Add(postmortem); // under its ETag: a draft recorded meanwhile makes this reread, not lose it
            change.Add(now, TimelineKinds.Postmortem, actor, $"RCA completed by {actor}: {link}");
            change.Actions.Add(OutboxAction.Create(id, ReminderOutbox.Cancel.Name, "{}", now));
        }, ct);

    public Task<IncidentRecord> RescheduleAsync(string id, string kind, DateTimeOffset dueAt, string actor,
        IncidentPrecondition? ifMatch, CancellationToken ct) =>
        ChangeAsync(id, ifMatch, "reschedule a reminder of", async (change, now) =>
        {
            var postmortem = await states.ReadAsync<PostmortemState>(id, ct);
            if (postmortem.Completed)
                throw new ReminderConflictException(
                    $"The RCA of {id} is complete; it has no reminders left to reschedule.");
            var reminder = await states.ReadAsync<ReminderState>(id, ReminderState.KeyFor(kind), ct);
            var was = reminder.DueAt is { } w ? $" (was {calendar.Describe(w)})" : "";
            change.Add(now, TimelineKinds.ReminderRescheduled, actor,
                $"{ReminderKinds.Describe(kind)} moved to {calendar.Describe(dueAt)}{was} by {actor}.");
            change.Actions.Add(OutboxAction.Create(id, ReminderOutbox.Reschedule.Name,
                new ReschedulePayload(kind, dueAt).ToJson(), now));
        }, ct);

    /// <summary>An RCA change: allowed once the incident is resolved or closed.</summary>
    private Task<IncidentRecord> ChangeAsync(string id, IncidentPrecondition? ifMatch, string action,
        Func<IncidentChange, DateTimeOffset, Task> apply, CancellationToken ct) =>
        incidents.ChangeAsync(id, ifMatch, async (change, now) =>
        {
            var incident = change.Incident;
            if (incident.Status is not (IncidentStatus.Resolved or IncidentStatus.Closed))
                throw new InvalidTransitionException(id, action, incident.Status);
            await apply(change, now);
        }, ct);
}
