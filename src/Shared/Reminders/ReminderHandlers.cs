using System.Globalization;
using System.Net;
using System.Text.Json;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using AutoResponder.Storage;
using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>Outbox kinds of the RCA follow-up.</summary>
public static class ReminderOutboxKinds
{
    public const string Schedule = "reminders.schedule";
    public const string Cancel = "reminders.cancel";
    public const string Reschedule = "reminders.reschedule";
}

/// <summary>What a "reminders.reschedule" action carries.</summary>
public sealed record ReschedulePayload(string Kind, DateTimeOffset DueAt)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
    public static ReschedulePayload Parse(string json) =>
        JsonSerializer.Deserialize<ReschedulePayload>(json, JsonSerializerOptions.Web) ?? throw new PermanentOutboxException("Empty reminders.reschedule payload.");
}

/// <summary>
/// At resolution: generate the postmortem draft. The reminders are scheduled by the draft itself — owed in the
/// transaction that records the draft done ("postmortem-drafted"), so they always run after it and link it — or,
/// when the draft was parked as failed, by that failure (reminders without a draft beat no reminders).
/// </summary>
public sealed class ReminderEffect(IOptions<ReminderOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        if (!options.Value.Enabled) yield break;
        if (entry.Kind == TimelineKinds.Resolved) yield return (PostmortemDraftHandler.KindName, "{}");
        else if (entry.Kind == TimelineKinds.PostmortemDrafted ||
                 (entry.Kind == TimelineKinds.ActionFailed && entry.Subject == PostmortemDraftHandler.KindName && incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed))
            yield return (ReminderOutboxKinds.Schedule, "{}");
    }
}

/// <summary>Schedules the reminders of a resolution (once per resolution) and records id, ticket and due date of each on the incident.</summary>
public sealed class ScheduleRemindersHandler(IReminderScheduler scheduler, BusinessCalendar calendar, IOptions<ReminderOptions> options) : IOutboxHandler
{
    public string Kind => ReminderOutboxKinds.Schedule;

    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var incident = context.Incident;
        var effects = context.Effects;
        if (incident.ResolvedAt is not { } resolvedAt || incident.Status.IsLive()) return OutboxOutcome.Done($"skipped: incident is {incident.Status.ToApi()}");
        if (effects.ContainsKey(ReminderKeys.PostmortemLink)) return OutboxOutcome.Done("skipped: the RCA is complete");
        var marker = Keys.Ticks(resolvedAt);
        if (effects.GetValueOrDefault(ReminderKeys.ScheduledFor) == marker) return OutboxOutcome.Done("skipped: already scheduled for this resolution");

        var recorded = new Dictionary<string, string>();
        // Reminders of an earlier resolution (reopened since) are superseded; cancel what is still scheduled.
        var cancelled = await CancelRemindersHandler.CancelScheduledAsync(scheduler, effects, recorded, ct);

        var lines = new List<string>();
        foreach (var (kind, days) in options.Value.Offsets())
        {
            var due = calendar.AddBusinessDays(resolvedAt, days);
            var id = $"{kind}-{Keys.Unique()}{Keys.Unique()}";
            var ticket = await scheduler.ScheduleAsync(new ReminderMessage(id, incident.Id, kind, due), ct);
            recorded[ReminderKeys.Id(kind)] = id;
            recorded[ReminderKeys.Ticket(kind)] = ticket;
            recorded[ReminderKeys.DueAt(kind)] = due.ToString("o", CultureInfo.InvariantCulture);
            recorded[ReminderKeys.Status(kind)] = "scheduled";
            lines.Add($"{ReminderKinds.Describe(kind)} {calendar.Describe(due)}");
        }
        recorded[ReminderKeys.ScheduledFor] = marker;
        recorded[ReminderKeys.Transport] = scheduler.Transport;
        return new OutboxOutcome(
            Result: $"{lines.Count} reminder(s) scheduled on {scheduler.Transport}{(cancelled > 0 ? $", {cancelled} earlier one(s) cancelled" : "")}",
            Effects: recorded,
            TimelineText: $"RCA follow-up scheduled: {string.Join("; ", lines)}.");
    }
}

/// <summary>Cancels every reminder still scheduled ("reminders.cancel", owed when the postmortem is recorded).</summary>
public sealed class CancelRemindersHandler(IReminderScheduler scheduler) : IOutboxHandler
{
    public string Kind => ReminderOutboxKinds.Cancel;

    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var recorded = new Dictionary<string, string>();
        var cancelled = await CancelScheduledAsync(scheduler, context.Effects, recorded, ct);
        return cancelled == 0
            ? OutboxOutcome.Done("nothing was still scheduled")
            : new OutboxOutcome($"{cancelled} reminder(s) cancelled", recorded, $"RCA complete: {cancelled} scheduled reminder(s) cancelled.");
    }

    /// <summary>Cancels the kinds whose status is "scheduled" on this transport; notes them as cancelled in <paramref name="recorded"/>.</summary>
    public static async Task<int> CancelScheduledAsync(IReminderScheduler scheduler, IReadOnlyDictionary<string, string> effects, Dictionary<string, string> recorded, CancellationToken ct)
    {
        var count = 0;
        foreach (var kind in ReminderKinds.All)
        {
            if (effects.GetValueOrDefault(ReminderKeys.Status(kind)) != "scheduled" || !effects.TryGetValue(ReminderKeys.Ticket(kind), out var ticket)) continue;
            if (effects.GetValueOrDefault(ReminderKeys.Transport) == scheduler.Transport) await scheduler.CancelAsync(ticket, ct);
            recorded[ReminderKeys.Status(kind)] = "cancelled";
            count++;
        }
        return count;
    }
}

/// <summary>Moves one reminder to a new due date ("reminders.reschedule"): cancel the scheduled message, schedule a new one.</summary>
public sealed class RescheduleReminderHandler(IReminderScheduler scheduler) : IOutboxHandler
{
    public string Kind => ReminderOutboxKinds.Reschedule;

    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var payload = ReschedulePayload.Parse(context.Action.Payload);
        var effects = context.Effects;
        var kind = payload.Kind;
        if (effects.GetValueOrDefault(ReminderKeys.ChangedBy(kind)) == context.Action.Id) return OutboxOutcome.Done("skipped: already rescheduled");
        if (effects.ContainsKey(ReminderKeys.PostmortemLink)) return OutboxOutcome.Done("skipped: the RCA is complete");

        if (effects.GetValueOrDefault(ReminderKeys.Status(kind)) == "scheduled" && effects.TryGetValue(ReminderKeys.Ticket(kind), out var old)
            && effects.GetValueOrDefault(ReminderKeys.Transport) == scheduler.Transport)
            await scheduler.CancelAsync(old, ct);

        var id = $"{kind}-{Keys.Unique()}{Keys.Unique()}";
        var ticket = await scheduler.ScheduleAsync(new ReminderMessage(id, context.Incident.Id, kind, payload.DueAt), ct);
        return new OutboxOutcome(
            Result: $"{kind} rescheduled to {payload.DueAt:o} (ticket {ticket})",
            Effects: new Dictionary<string, string>
            {
                [ReminderKeys.Id(kind)] = id,
                [ReminderKeys.Ticket(kind)] = ticket,
                [ReminderKeys.DueAt(kind)] = payload.DueAt.ToString("o", CultureInfo.InvariantCulture),
                [ReminderKeys.Status(kind)] = "scheduled",
                [ReminderKeys.ChangedBy(kind)] = context.Action.Id,
                [ReminderKeys.Transport] = scheduler.Transport,
            });
    }
}

/// <summary>Emails a delivered reminder ("reminder-email"): to the owner, or — for an escalation — to the managers with the owner in copy.</summary>
public sealed class ReminderEmailHandler(IMailSender mail, IOptions<MailOptions> mailOptions, BusinessCalendar calendar, IEnumerable<IIncidentNotices> notices, PeopleLinks links) : IOutboxHandler
{
    public string Kind => ReminderEmailPayload.OutboxKind;

    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var p = ReminderEmailPayload.Parse(context.Action.Payload);
        var effects = context.Effects;
        if (effects.GetValueOrDefault(ReminderKeys.Emailed(p.Kind)) == p.ReminderId) return OutboxOutcome.Done("skipped: already emailed");
        if (effects.ContainsKey(ReminderKeys.PostmortemLink)) return OutboxOutcome.Done("skipped: the RCA is complete");

        var o = mailOptions.Value;
        var incident = context.Incident;
        var escalation = p.Kind == ReminderKinds.Escalation;
        var to = escalation ? o.ManagersFor(incident) : o.OwnerOf(incident);
        var cc = escalation ? o.OwnerOf(incident).Except(to, StringComparer.OrdinalIgnoreCase).ToList() : [];
        if (to.Count == 0)
            throw new PermanentOutboxException(escalation
                ? "No manager recipients: set AutoResponder:Mail:ManagerRecipients or AutoResponder:Mail:FallbackAddress."
                : $"The owner '{incident.Owner ?? "(none)"}' has no mail address and AutoResponder:Mail:FallbackAddress is not set.");

        var draft = effects.ContainsKey(ReminderKeys.DraftBlob) ? links.PostmortemDraft(incident.Id) : null; // the authenticated route, never a signed link
        var rcaDue = effects.TryGetValue(ReminderKeys.DueAt(ReminderKinds.RcaDraft), out var d) ? DateTimeOffset.Parse(d, CultureInfo.InvariantCulture) : p.DueAt;
        var subject = escalation
            ? $"[RCA overdue] {incident.Id}: {incident.Title} — RCA still open after {calendar.Describe(rcaDue)}"
            : $"[RCA reminder] {incident.Id}: {incident.Title} — {ReminderKinds.Describe(p.Kind)} due {calendar.Describe(p.DueAt)}";
        var lines = new List<string>
        {
            escalation
                ? $"The RCA of {incident.Id} was due {calendar.Describe(rcaDue)} and is still open. Owner: {incident.Owner ?? "unassigned"}."
                : $"{ReminderKinds.Describe(p.Kind)} for {incident.Id} is due {calendar.Describe(p.DueAt)}.",
            $"Incident: {incident.Title} ({incident.SeverityName}), resolved {(incident.ResolvedAt is { } r ? StatusEmailRenderer.Time(r) : "—")}.",
            draft is null ? "The postmortem draft is not available yet." : $"Postmortem draft (sign in to read it): {draft}",
            $"When the RCA is done, POST {{\"link\": \"...\"}} to /api/incidents/{incident.Id}/postmortem; that stops these reminders.",
            $"To move a due date, POST {{\"dueAt\": \"...\"}} to /api/incidents/{incident.Id}/reminders/{p.Kind}.",
        };
        lines.InsertRange(2, await notices.CollectAsync(incident, ct)); // e.g. a stop-the-impact switch still on
        var html = "<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\">"
            + string.Concat(lines.Select(l => $"<p>{Linkify(WebUtility.HtmlEncode(l), draft)}</p>")) + "</body></html>";
        var text = string.Join('\n', lines) + "\n";
        await mail.SendAsync(new MailMessage(o.SenderMailbox, to, cc, subject, html, text, []), ct);
        return new OutboxOutcome(
            Result: $"{p.Kind} reminder emailed to {string.Join(", ", to)}",
            Effects: new Dictionary<string, string> { [ReminderKeys.Emailed(p.Kind)] = p.ReminderId });
    }

    private static string Linkify(string encoded, string? url) =>
        url is null || !url.StartsWith("http", StringComparison.Ordinal) ? encoded : encoded.Replace(WebUtility.HtmlEncode(url), $"<a href=\"{WebUtility.HtmlEncode(url)}\">{WebUtility.HtmlEncode(url)}</a>");
}
