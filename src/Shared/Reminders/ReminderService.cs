using System.Globalization;
using System.Text.Json;
using AutoResponder.Incidents;
using AutoResponder.Outbox;

namespace AutoResponder.Reminders;

/// <summary>A request the incident's RCA state does not allow (HTTP 409).</summary>
public sealed class ReminderConflictException(string message) : Exception(message);

/// <summary>
/// Human actions on the RCA follow-up: record the postmortem (completes the RCA; what is still scheduled
/// is cancelled by the outbox) and move a reminder's due date.
/// </summary>
public sealed class ReminderService(IncidentService incidents, BusinessCalendar calendar)
{
    public Task<IncidentRecord> CompletePostmortemAsync(string id, string link, string actor, CancellationToken ct) =>
        ChangeAsync(id, "record the postmortem of", (change, effects, now) =>
        {
            effects[ReminderKeys.PostmortemLink] = link;
            effects[ReminderKeys.PostmortemCompletedAt] = now.ToString("o", CultureInfo.InvariantCulture);
            change.Add(now, TimelineKinds.Postmortem, actor, $"RCA completed by {actor}: {link}");
            change.Actions.Add(OutboxAction.Create(id, ReminderOutboxKinds.Cancel, "{}", now));
        }, ct);

    public Task<IncidentRecord> RescheduleAsync(string id, string kind, DateTimeOffset dueAt, string actor, CancellationToken ct) =>
        ChangeAsync(id, "reschedule a reminder of", (change, effects, now) =>
        {
            if (effects.ContainsKey(ReminderKeys.PostmortemLink))
                throw new ReminderConflictException($"The RCA of {id} is complete; it has no reminders left to reschedule.");
            var was = effects.TryGetValue(ReminderKeys.DueAt(kind), out var w) ? $" (was {calendar.Describe(DateTimeOffset.Parse(w, CultureInfo.InvariantCulture))})" : "";
            change.Add(now, TimelineKinds.ReminderRescheduled, actor, $"{ReminderKinds.Describe(kind)} moved to {calendar.Describe(dueAt)}{was} by {actor}.");
            change.Actions.Add(OutboxAction.Create(id, ReminderOutboxKinds.Reschedule, new ReschedulePayload(kind, dueAt).ToJson(), now));
        }, ct);

    /// <summary>An RCA change: allowed once the incident is resolved or closed; <paramref name="apply"/> edits the recorded effects.</summary>
    private Task<IncidentRecord> ChangeAsync(string id, string action, Action<IncidentChange, Dictionary<string, string>, DateTimeOffset> apply, CancellationToken ct) =>
        incidents.ChangeAsync(id, (change, now) =>
        {
            var incident = change.Incident;
            if (incident.Status is not (IncidentStatus.Resolved or IncidentStatus.Closed))
                throw new InvalidTransitionException(id, action, incident.Status);
            var effects = new Dictionary<string, string>(IncidentStore.ReadEffects(incident));
            apply(change, effects, now);
            incident.EffectsJson = JsonSerializer.Serialize(effects);
        }, ct);
}
