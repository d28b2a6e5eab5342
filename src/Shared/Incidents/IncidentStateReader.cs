using System.Globalization;
using AutoResponder.Impact.Snapshots;
using AutoResponder.Outbox;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Teams;
using Microsoft.Extensions.Options;

namespace AutoResponder.Incidents;

/// <summary>The incident's Teams thread: where its root post is.</summary>
public sealed record TeamsThreadState(string? MessageId, string? WebUrl);

/// <summary>Manager status emails: how many went out, the last one, and when the next cadence email is due (null when none is).</summary>
public sealed record StatusEmailsState(int Sent, DateTimeOffset? LastSentAt, DateTimeOffset? NextDueAt);

/// <summary>The latest impact snapshot's summary (null: none taken yet).</summary>
public sealed record ImpactState(string Snapshot, long Orders, long Customers, bool CustomersApproximate,
    IReadOnlyDictionary<string, decimal> MoneyAtRisk, DateTimeOffset AsOf);

/// <summary>One RCA reminder: its kind (rca-draft, rca-escalation, postmortem-review, action-items), when it is due and where it stands.</summary>
public sealed record ReminderState(string Kind, DateTimeOffset? DueAt, string Status);

/// <summary>
/// The postmortem: <c>none</c> (not resolved yet), <c>pending</c> (resolved, no draft yet), <c>drafted</c> (draft
/// generated, RCA open) or <c>completed</c> (its link recorded); and the reminders chasing it.
/// </summary>
public sealed record PostmortemState(string State, string? Link, DateTimeOffset? CompletedAt, IReadOnlyList<ReminderState> Reminders);

/// <summary>Outbox actions still owed (pending or running) and parked as failed.</summary>
public sealed record ActionCounts(int Pending, int Failed);

/// <summary>What the incident's features have recorded, typed: the read the API renders instead of internal bookkeeping.</summary>
public sealed record IncidentState(
    TeamsThreadState Teams,
    StatusEmailsState StatusEmails,
    ImpactState? Impact,
    PostmortemState Postmortem,
    ActionCounts Actions);

/// <summary>
/// Reads <see cref="IncidentState"/> for one incident: the features' recorded results, its latest impact snapshot and
/// its outbox rows (one partition query each). Null when there is no such incident.
/// </summary>
public sealed class IncidentStateReader(IncidentStore store, ImpactSnapshotStore snapshots, IOptions<StatusEmailOptions> statusEmails, TimeProvider time)
{
    public async Task<IncidentState?> ReadAsync(string id, CancellationToken ct)
    {
        var details = await store.GetDetailsAsync(id, ct);
        if (details is null) return null;
        var latest = (await snapshots.ListAsync(id, ct)).LastOrDefault();
        return From(details, latest, statusEmails.Value, time.GetUtcNow());
    }

    public static IncidentState From(IncidentDetails details, ImpactSnapshotRecord? latest, StatusEmailOptions statusEmails, DateTimeOffset now)
    {
        var incident = details.Incident;
        var effects = IncidentStore.ReadEffects(incident);
        string? Text(string key) => effects.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        DateTimeOffset? When(string key) =>
            Text(key) is { } v && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

        var sent = int.TryParse(Text(StatusEmailKeys.Count), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        DateTimeOffset? nextDue = null;
        if (statusEmails.Enabled && incident.Status.IsLive())
        {
            var cadence = statusEmails.CadenceFor(incident.Severity);
            nextDue = StatusEmailSlots.SlotStart(incident.OpenedAt, cadence, StatusEmailSlots.SlotAt(incident.OpenedAt, cadence, now) + 1);
        }

        var reminders = ReminderKinds.All
            .Where(kind => Text(ReminderKeys.Status(kind)) is not null)
            .Select(kind => new ReminderState(kind, When(ReminderKeys.DueAt(kind)), Text(ReminderKeys.Status(kind))!))
            .ToList();
        var link = Text(ReminderKeys.PostmortemLink);
        var state = link is not null ? "completed"
            : Text(ReminderKeys.DraftBlob) is not null ? "drafted"
            : incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed ? "pending"
            : "none";

        return new IncidentState(
            new TeamsThreadState(Text(TeamsKeys.RootMessageId), Text(TeamsKeys.RootWebUrl)),
            new StatusEmailsState(sent, When(StatusEmailKeys.LastSentAt), nextDue),
            latest is null ? null : new ImpactState(latest.SnapshotId, latest.Orders, latest.Customers, latest.CustomersApproximate, latest.MoneyAtRisk(), latest.TakenAt),
            new PostmortemState(state, link, When(ReminderKeys.PostmortemCompletedAt), reminders),
            new ActionCounts(
                details.Actions.Count(a => a.Status is OutboxStatus.Pending or OutboxStatus.Running),
                details.Actions.Count(a => a.Status == OutboxStatus.Failed)));
    }
}
