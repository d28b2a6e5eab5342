using System.Globalization;
using System.Net;
using System.Text.Json;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using AutoResponder.Storage;
using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>What a <see cref="ReminderOutbox.Reschedule"/> action carries.</summary>
public sealed record ReschedulePayload(string Kind, DateTimeOffset DueAt)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
    public static ReschedulePayload Parse(string json) =>
        JsonSerializer.Deserialize<ReschedulePayload>(json, JsonSerializerOptions.Web)
            ?? throw new PermanentOutboxException($"Empty {ReminderOutbox.Reschedule.Name} payload.");
}

/// <summary>
/// At resolution: generate the postmortem draft. The reminders are scheduled by the draft itself — owed in the
/// transaction that records the draft done ("postmortem-drafted"), so they always run after it and link it — or,
/// when the draft was parked as failed, by that failure (reminders without a draft beat no reminders).
/// </summary>
internal sealed class ReminderEffect(IOptions<ReminderOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        if (!options.Value.Enabled) yield break;
        if (entry.Kind == TimelineKinds.Resolved) yield return ReminderOutbox.PostmortemDraft.Owe(NoPayload.Value);
        else if (entry.Kind == TimelineKinds.PostmortemDrafted ||
                 (entry.Kind == TimelineKinds.ActionFailed && entry.Subject == ReminderOutbox.PostmortemDraft.Name
                     && incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed))
            yield return ReminderOutbox.Schedule.Owe(NoPayload.Value);
    }
}

/// <summary>
/// Schedules the reminders of a resolution (once per resolution) and records id, ticket and due date of each in its
/// <see cref="ReminderState"/> row.
/// </summary>
internal sealed class ScheduleRemindersHandler(IReminderScheduler scheduler, IncidentStates states,
    BusinessCalendar calendar, IOptions<ReminderOptions> options) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var incident = context.Incident;
        if (incident.ResolvedAt is not { } resolvedAt || incident.Status.IsLive())
            return OutboxOutcome.Done($"skipped: incident is {incident.Status.ToApi()}");
        var rca = await states.ReadAllAsync(incident.Id, ct);
        var postmortem = rca.Get<PostmortemState>();
        if (postmortem.Completed) return OutboxOutcome.Done("skipped: the RCA is complete");
        if (postmortem.RemindersScheduledFor == resolvedAt)
            return OutboxOutcome.Done("skipped: already scheduled for this resolution");

        // Reminders of an earlier resolution (reopened since) are superseded; cancel what is still scheduled.
        var reminders = rca.All<ReminderState>(ReminderState.KindPrefix).ToList();
        var cancelled = await CancelRemindersHandler.CancelPendingAsync(scheduler, reminders, ct);

        var lines = new List<string>();
        var recorded = new List<StateChange>();
        foreach (var (kind, days) in options.Value.Offsets())
        {
            var due = calendar.AddBusinessDays(resolvedAt, days);
            var id = $"{kind}-{Keys.Unique()}{Keys.Unique()}";
            var ticket = await scheduler.ScheduleAsync(new ReminderMessage(id, incident.Id, kind, due), ct);
            recorded.Add(StateChange.Of<ReminderState>(ReminderState.KeyFor(kind), r =>
                (r.Kind, r.ReminderId, r.SequenceNumber, r.Transport, r.DueAt, r.Status) =
                    (kind, id, ticket.SequenceNumber, scheduler.Transport, due, ReminderStatus.Scheduled)));
            lines.Add($"{ReminderKinds.Describe(kind)} {calendar.Describe(due)}");
        }
        foreach (var kind in cancelled.Where(k => recorded.All(r => r.RowKey != ReminderState.KeyFor(k))))
            recorded.Add(CancelRemindersHandler.Cancelled(kind));
        recorded.Add(StateChange.Of<PostmortemState>(p => p.RemindersScheduledFor = resolvedAt));
        return new OutboxOutcome(
            Result: $"{lines.Count} reminder(s) scheduled on " +
                $"{scheduler.Transport}{(cancelled.Count > 0 ? $", {cancelled.Count} earlier one(s) cancelled" : "")}",
            TimelineText: $"RCA follow-up scheduled: {string.Join("; ", lines)}.",
            State: recorded);
    }
}

/// <summary>
/// Cancels every reminder still scheduled (<see cref="ReminderOutbox.Cancel"/>, owed when the postmortem is recorded).
/// </summary>
internal sealed class CancelRemindersHandler(IReminderScheduler scheduler, IncidentStates states) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var reminders = await states.ReadAllAsync<ReminderState>(context.Incident.Id, ReminderState.KindPrefix, ct);
        var cancelled = await CancelPendingAsync(scheduler, reminders, ct);
        return cancelled.Count == 0
            ? OutboxOutcome.Done("nothing was still scheduled")
            : new OutboxOutcome($"{cancelled.Count} reminder(s) cancelled",
                TimelineText: $"RCA complete: {cancelled.Count} scheduled reminder(s) cancelled.",
                State: cancelled.Select(Cancelled).ToList());
    }

    /// <summary>
    /// Cancels the reminders still scheduled (on their transport, when it is this one); returns their kinds.
    /// </summary>
    public static async Task<List<string>> CancelPendingAsync(IReminderScheduler scheduler,
        IEnumerable<ReminderState> reminders, CancellationToken ct)
    {
        var kinds = new List<string>();
        foreach (var reminder in reminders.Where(r => r.Pending))
        {
            if (reminder.Ticket is { } ticket && reminder.Transport == scheduler.Transport)
                await scheduler.CancelAsync(ticket, ct);
            kinds.Add(reminder.Kind);
        }
        return kinds;
    }

    public static StateChange Cancelled(string kind)
        => StateChange.Of<ReminderState>(ReminderState.KeyFor(kind), r => r.Status = ReminderStatus.Cancelled);
}

/// <summary>
/// Moves one reminder to a new due date (<see cref="ReminderOutbox.Reschedule"/>): cancel the scheduled message,
/// schedule a new one.
/// </summary>
internal sealed class RescheduleReminderHandler(IReminderScheduler scheduler, IncidentStates states) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var payload = ReschedulePayload.Parse(context.Action.Payload);
        var kind = payload.Kind;
        var rca = await states.ReadAllAsync(context.Incident.Id, ct);
        var reminder = rca.Get<ReminderState>(ReminderState.KeyFor(kind));
        if (reminder.ChangedBy == context.Action.Id) return OutboxOutcome.Done("skipped: already rescheduled");
        if (rca.Get<PostmortemState>().Completed) return OutboxOutcome.Done("skipped: the RCA is complete");

        await CancelRemindersHandler.CancelPendingAsync(scheduler, [reminder], ct);
        var id = $"{kind}-{Keys.Unique()}{Keys.Unique()}";
        var ticket = await scheduler.ScheduleAsync(new ReminderMessage(id, context.Incident.Id, kind, payload.DueAt),
            ct);
        var by = context.Action.Id;
        return new OutboxOutcome(
            Result: $"{kind} rescheduled to {payload.DueAt:o} ({scheduler.Transport} " +
                $"{ticket.SequenceNumber?.ToString(CultureInfo.InvariantCulture) ?? id})",
            State: [StateChange.Of<ReminderState>(ReminderState.KeyFor(kind), r =>
                (r.Kind, r.ReminderId, r.SequenceNumber, r.Transport, r.DueAt, r.Status, r.ChangedBy) =
                    (kind, id, ticket.SequenceNumber, scheduler.Transport, payload.DueAt, ReminderStatus.Scheduled,
                    by))]);
    }
}

/// <summary>
/// Emails a delivered reminder (<see cref="ReminderOutbox.Email"/>): to the owner, or — for an escalation — to the
/// managers with the owner in copy.
/// </summary>
internal sealed class ReminderEmailHandler(IMailSender mail, IncidentStates states, IOptions<MailOptions> mailOptions,
    BusinessCalendar calendar, IEnumerable<IIncidentNotices> notices, PeopleLinks links) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var p = ReminderEmailPayload.Parse(context.Action.Payload);
        var rca = await states.ReadAllAsync(context.Incident.Id, ct);
        var reminder = rca.Get<ReminderState>(ReminderState.KeyFor(p.Kind));
        if (reminder.EmailedId == p.ReminderId) return OutboxOutcome.Done("skipped: already emailed");
        if (rca.Get<PostmortemState>().Completed) return OutboxOutcome.Done("skipped: the RCA is complete");
        if (context.Incident.Status.IsLive()) return OutboxOutcome.Done("skipped: the incident was reopened");

        var o = mailOptions.Value;
        var incident = context.Incident;
        var escalation = p.Kind == ReminderKinds.Escalation;
        var to = escalation ? o.ManagersFor(incident) : o.OwnerOf(incident);
        var cc = escalation ? o.OwnerOf(incident).Except(to, StringComparer.OrdinalIgnoreCase).ToList() : [];
        if (to.Count == 0)
            throw new NotConfiguredException(MailOptions.Area, escalation // waits for the setting, never parked
                ? MailOptions.NoManagersProblem
                : $"The owner '{incident.Owner ?? "(none)"}' has no mail address and " +
                    $"{MailOptions.Section}:FallbackAddress is not set.");

        // the authenticated route, never a signed link
        var draft = rca.Get<PostmortemState>().DraftBlob is null ? null : links.PostmortemDraft(incident.Id);
        var rcaDue = rca.Get<ReminderState>(ReminderState.KeyFor(ReminderKinds.RcaDraft)).DueAt ?? p.DueAt;
        var subject = escalation
            ? $"[RCA overdue] {incident.Id}: {incident.Title} — RCA still open after {calendar.Describe(rcaDue)}"
            : $"[RCA reminder] {incident.Id}: {incident.Title} — {ReminderKinds.Describe(p.Kind)} due " +
                $"{calendar.Describe(p.DueAt)}";
        var lines = new List<string>
        {
            escalation
                ? $"The RCA of {incident.Id} was due {calendar.Describe(rcaDue)} and is still open. Owner: " +
                    $"{incident.Owner ?? "unassigned"}."
                : $"{ReminderKinds.Describe(p.Kind)} for {incident.Id} is due {calendar.Describe(p.DueAt)}.",
            $"Incident: {incident.Title} ({incident.SeverityName}), resolved " +
            $"{(incident.ResolvedAt is { } r ? StatusEmailRenderer.Time(r) : "—")}.",
            draft is null ? "The postmortem draft is not available yet."
                : $"Postmortem draft (sign in to read it): {draft}",
            $"When the RCA is done, POST {{\"link\": \"...\"}} to /api/incidents/{incident.Id}/postmortem; that " +
            $"stops these reminders.",
            $"To move a due date, POST {{\"dueAt\": \"...\"}} to /api/incidents/{incident.Id}/reminders/{p.Kind}.",
        };
        lines.InsertRange(2, await notices.CollectAsync(incident, ct)); // e.g. a stop-the-impact switch still on
        var html = "<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\">"
            + string.Concat(lines.Select(l => $"<p>{Linkify(WebUtility.HtmlEncode(l), draft)}</p>")) + "</body></html>";
        var text = string.Join('\n', lines) + "\n";
        await mail.SendAsync(new MailMessage(o.SenderMailbox, to, cc, subject, html, text, []), ct);
        return new OutboxOutcome(
            Result: $"{p.Kind} reminder emailed to {string.Join(", ", to)}",
            State: [StateChange.Of<ReminderState>(ReminderState.KeyFor(p.Kind), r => r.EmailedId = p.ReminderId)]);
    }

    private static string Linkify(string encoded, string? url) =>
        url is null || !url.StartsWith("http", StringComparison.Ordinal)
            ? encoded : encoded.Replace(WebUtility.HtmlEncode(url),
            $"<a href=\"{WebUtility.HtmlEncode(url)}\">{WebUtility.HtmlEncode(url)}</a>");
}
