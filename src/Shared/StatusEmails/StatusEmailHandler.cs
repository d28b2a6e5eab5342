using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

/// <summary>
/// Sends one status email (<see cref="StatusEmailOutbox.Email"/>): a cadence slot or the final email. Idempotent:
/// a slot whose start is not after the last sent slot's start is skipped, and the final email is sent
/// once per resolution — both read from <see cref="StatusEmailState"/>, which the runner updates in
/// the same transaction that marks the action done.
/// </summary>
internal sealed class StatusEmailHandler(
    IncidentStore store,
    IncidentStates states,
    IMailSender mail,
    IncidentImpact impact,
    IOptions<MailOptions> mailOptions,
    IntegrationSettings<StatusEmailOptions> settings,
    TimeProvider time,
    ILogger<StatusEmailHandler> log,
    IEnumerable<IIncidentNotices> notices,
    IEnumerable<IIncidentSuspects> suspects,
    StormEmails storms,
    ConsoleLinks? consoleLinks = null) : IOutboxHandler
{
    private readonly IOptions<StatusEmailOptions> options = settings.Options;

    public const int SuspectsInFirstEmail = 3;

    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        settings.ThrowIfNotReady(); // a status e-mail setting is broken: wait, spend no attempt
        var payload = StatusEmailPayload.Parse(context.Action.Payload);
        var incident = context.Incident;
        var sent = await states.ReadAsync<StatusEmailState>(incident.Id, ct);
        var now = time.GetUtcNow();
        var lastSlotAt = sent.LastSlotAt;

        StatusEmailKind kind;
        if (payload.Final)
        {
            if (incident.ResolvedAt is not { } resolvedAt
                || incident.Status is not (IncidentStatus.Resolved or IncidentStatus.Closed))
                return OutboxOutcome.Done($"skipped: incident is {incident.Status.ToApi()}");
            if (sent.FinalFor == resolvedAt)
                return OutboxOutcome.Done("skipped: final email already sent");
            if (incident.Severity > options.Value.FirstEmailUpTo && lastSlotAt is null)
                return OutboxOutcome.Done("skipped: no status email was sent for this incident");
            kind = StatusEmailKind.Final;
        }
        else
        {
            if (!incident.Status.IsLive()) return OutboxOutcome.Done($"skipped: incident is {incident.Status.ToApi()}");
            if (payload.OnlyIfNoneSent && lastSlotAt is not null)
                return OutboxOutcome.Done("skipped: a status email was sent already");
            var slotAt = payload.SlotAt ?? incident.OpenedAt;
            if (lastSlotAt is { } last && slotAt <= last)
                return OutboxOutcome.Done($"skipped: slot {payload.Slot} already sent");
            kind = payload.Slot == 0 ? StatusEmailKind.Opened : StatusEmailKind.Update;
        }

        var recipients = mailOptions.Value.ManagersFor(incident);
        if (recipients.Count == 0)
            // waits for the setting, never parked
            throw new NotConfiguredException(MailOptions.Area, MailOptions.NoManagersProblem);

        var number = sent.Sent + 1;
        // This e-mail is done (sent, or listed in a storm e-mail): its slot or resolution is never e-mailed again.
        // False when the row says so already (this outcome applied before): then it is not counted again.
        bool Done(StatusEmailState s)
        {
            var slotAt = payload.SlotAt ?? incident.OpenedAt;
            var already = kind == StatusEmailKind.Final
                ? s.FinalFor == incident.ResolvedAt : s.LastSlotAt is { } last && slotAt <= last;
            if (kind == StatusEmailKind.Final) s.FinalFor = incident.ResolvedAt;
            else (s.LastSlot, s.LastSlotAt) = (payload.Slot, slotAt);
            return !already;
        }
        var what = kind switch { StatusEmailKind.Final => "Final status email", StatusEmailKind.Opened => "First status email", _ => $"Status email #{number}" };

        // In a storm (the incident is listed in a Teams storm digest) managers get one storm e-mail listing it instead.
        switch (await storms.DecideAsync(incident, ct))
        {
            case StormDecision.WaitForTeams:
                return new OutboxOutcome("Waiting for Teams to decide between a post of its own and the storm digest",
                    Later: [(StatusEmailOutbox.Email.Name, context.Action.Payload,
                        now + StormEmails.TeamsDecisionRecheck)]);
            case StormDecision.Storm when await storms.ListAsync(incident, context.Action, kind, recipients, ct) is var (window, dueAt, owesSend, stormSentAt):
                // Counted as sent when the storm e-mail goes (StormEmailHandler), not now.
                return new OutboxOutcome(
                    Result: $"{what} listed in the storm e-mail {window}",
                    State: [StateChange.Of<StatusEmailState>(s => { Done(s); s.ListedIn(window, stormSentAt); })],
                    TimelineText: $"{what} listed in one storm e-mail to {recipients.Count} manager(s), due " +
                        $"{StatusEmailRenderer.Time(dueAt)} (the incident is in the Teams storm digest)",
                    TimelineKind: TimelineKinds.StatusEmail,
                    Later: owesSend ? [StatusEmailOutbox.Storm.OweAt(new StormEmailPayload(window), dueAt)] : null);
        }

        var lastSentAt = sent.LastSentAt;
        var changes = (await store.GetTimelineSinceAsync(incident.Id, lastSentAt, ct))
            .Where(t => t.Kind != TimelineKinds.StatusEmail && (lastSentAt is null || t.At > lastSentAt))
            .OrderBy(t => t.RowKey, StringComparer.Ordinal)
            .ToList();
        // a storm of alerts must not make a megabyte email
        var earlier = Math.Max(0, changes.Count - StatusEmailRenderer.MaxChanges);
        if (earlier > 0) changes = changes.GetRange(earlier, changes.Count - earlier);
        var cadence = options.Value.CadenceFor(incident.Severity);
        var rendered = StatusEmailRenderer.Render(new StatusEmailModel(
            incident, kind, number, now, cadence, await impact.LinesAsync(incident.Id, ct), changes, lastSentAt,
            earlier,
            await notices.CollectAsync(incident, ct), consoleLinks?.Incident(incident.Id),
            // The first e-mail names the newest changes that may have caused it; the incident page lists them all.
            kind == StatusEmailKind.Opened ? await suspects.NewestAsync(incident, SuspectsInFirstEmail, ct) : null));

        var messageId = await mail.SendAsync(MailMessage.Create(mailOptions.Value.SenderMailbox, recipients,
            rendered.Subject, rendered.Html, rendered.Text), ct);
        log.LogInformation("Status email {Number} ({Kind}) for {IncidentId} sent to {Recipients}", number, kind,
            incident.Id, string.Join(", ", recipients));

        return new OutboxOutcome(
            Result: $"{what} sent to {string.Join(", ", recipients)}{(messageId is null ? "" : $" ({messageId})")}",
            State: [StateChange.Of<StatusEmailState>(s =>
            {
                if (!Done(s)) return;
                // One more, counted on the row as it is now: a storm e-mail may have been counted in it meanwhile.
                s.Sent++;
                s.LastSentAt = now;
            })],
            TimelineText: $"{what} sent to {recipients.Count} manager(s): {rendered.Subject}",
            TimelineKind: TimelineKinds.StatusEmail);
    }
}

/// <summary>
/// Puts the incident's next cadence slot into the due index (<see cref="StatusEmailOutbox.Schedule"/>): on open, reopen
/// and severity change.
/// </summary>
internal sealed class StatusEmailScheduleHandler(StatusEmailSchedule schedule,
    IntegrationSettings<StatusEmailOptions> settings, TimeProvider time) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        settings.ThrowIfNotReady(); // the cadence is broken: wait rather than schedule from it
        var options = settings.Options;
        var incident = context.Incident;
        if (!incident.Status.IsLive()) return OutboxOutcome.Done($"skipped: incident is {incident.Status.ToApi()}");
        var cadence = options.Value.CadenceFor(incident.Severity);
        var next = StatusEmailSlots.NextDue(incident.OpenedAt, cadence, time.GetUtcNow());
        await schedule.ScheduleAsync(incident.Id, next, ct);
        return OutboxOutcome.Done($"next status email due {StatusEmailRenderer.Time(next)} (every " +
            $"{StatusEmailRenderer.Duration(cadence)})");
    }
}
