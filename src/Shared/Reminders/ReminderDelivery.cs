using System.Text.Json;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Outbox;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Reminders;

/// <summary>What a <see cref="ReminderOutbox.Email"/> action carries.</summary>
public sealed record ReminderEmailPayload(string ReminderId, string Kind, DateTimeOffset DueAt)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
    public static ReminderEmailPayload Parse(string json) =>
        JsonSerializer.Deserialize<ReminderEmailPayload>(json, JsonSerializerOptions.Web)
            ?? throw new PermanentOutboxException($"Empty {ReminderOutbox.Email.Name} payload.");
}

/// <summary>
/// Handles one due reminder, whichever transport delivered it (Service Bus pump, storage-queue pump, or
/// later a Service Bus trigger). It records the reminder in one transaction, beside the incident row: a timeline
/// entry for the owner ("rca-reminder", rendered in Teams with an @mention) or, for an RCA still open after
/// its due date, "rca-escalated"; the email as an outbox action; and the reminder id as fired
/// (<see cref="ReminderState"/>), so a redelivered message does nothing. A reminder that was superseded (rescheduled,
/// rescheduled at a new resolution), whose RCA is complete, or whose incident was reopened is dropped.
/// </summary>
internal sealed class ReminderDelivery(IncidentStore store, IncidentCommits commits, ConflictRetry retry,
    IncidentStates states, BusinessCalendar calendar, PeopleLinks links, TimeProvider time,
    ILogger<ReminderDelivery> log) : IReminderHandler
{
    /// <summary>
    /// Returns what was done (for logs and tests). Throws when the incident could not be written (the transport
    /// retries).
    /// </summary>
    public async Task<string> HandleAsync(ReminderMessage reminder, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var incident = await store.FindAsync(reminder.IncidentId, ct);
            if (incident is null) return Skip(reminder, "the incident does not exist");
            var rca = await states.ReadAllAsync(incident.Id, ct); // the postmortem and every reminder: one range read
            var postmortem = rca.Get<PostmortemState>();
            var state = rca.Get<ReminderState>(ReminderState.KeyFor(reminder.Kind));
            if (postmortem.Completed) return Skip(reminder, "the RCA is complete");
            if (state.ReminderId != reminder.ReminderId) return Skip(reminder, "it was superseded or cancelled");
            if (state.FiredId == reminder.ReminderId) return Skip(reminder, "it was already delivered");
            if (incident.Status.IsLive()) return Skip(reminder, "the incident was reopened");

            var now = time.GetUtcNow();
            (state.FiredId, state.Status) = (reminder.ReminderId, ReminderStatus.Fired);
            // Beside the incident row: the reminder's own row (under its ETag), the timeline entry and the email owed.
            var change = IncidentChange.Beside(incident);
            change.States.Add(state);
            // the authenticated route
            var draft = postmortem.DraftBlob is null ? null : links.PostmortemDraft(incident.Id);
            var owner = incident.Owner is null ? "No owner is set" : $"@{incident.Owner}";
            if (reminder.Kind == ReminderKinds.Escalation)
            {
                var rcaDue = rca.Get<ReminderState>(ReminderState.KeyFor(ReminderKinds.RcaDraft)).DueAt;
                change.Add(now, TimelineKinds.RcaEscalated, IncidentLifecycle.SystemActor,
                    $"The RCA is still " +
                    $"open{(rcaDue is { } due ? $" after its due date {calendar.Describe(due)}" : "")}; escalated to " +
                    $"the managers. Owner: {owner}." +
                    (draft is null ? "" : $" Postmortem draft: {draft}"));
            }
            else
            {
                change.Add(now, TimelineKinds.RcaReminder, IncidentLifecycle.SystemActor,
                    $"{owner}: {ReminderKinds.Describe(reminder.Kind)} is due {calendar.Describe(reminder.DueAt)}." +
                    (draft is null ? "" : $" Postmortem draft: {draft}") +
                    $" When the RCA is done, POST its link to /api/incidents/{incident.Id}/postmortem.");
            }
            change.Actions.Add(OutboxAction.Create(incident.Id, ReminderOutbox.Email.Name,
                new ReminderEmailPayload(reminder.ReminderId, reminder.Kind, reminder.DueAt).ToJson(), now));
            try
            {
                await commits.CommitAsync(change, ct);
                log.LogInformation("Reminder {Kind} delivered for {IncidentId}", reminder.Kind, incident.Id);
                return "delivered";
            }
            catch (IncidentConcurrencyException)
            {
                // busy after the budget: the transport retries the message
                await retry.LostRaceAsync(incident.Id, attempt, ct);
            }
        }
    }

    /// <summary>Shows on the incident that a reminder was dead-lettered, and why.</summary>
    public async Task RecordDeadLetterAsync(ReminderMessage reminder, string reason, CancellationToken ct)
    {
        var change = IncidentChange.Beside(reminder.IncidentId);
        change.Add(time.GetUtcNow(), TimelineKinds.ActionFailed, IncidentLifecycle.SystemActor,
            $"{ReminderKinds.Describe(reminder.Kind)} reminder (due {calendar.Describe(reminder.DueAt)}) was " +
            $"dead-lettered: {reason}");
        try { await commits.CommitAsync(change, ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Could not record the dead-lettered reminder {Kind} on {IncidentId}", reminder.Kind,
                reminder.IncidentId);
        }
    }

    private string Skip(ReminderMessage reminder, string why)
    {
        log.LogInformation("Reminder {Kind} for {IncidentId} dropped: {Why}", reminder.Kind, reminder.IncidentId, why);
        return $"dropped: {why}";
    }
}
