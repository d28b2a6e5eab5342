using System.Text.Json;
using AutoResponder.Alerts;
using AutoResponder.Impact;
using AutoResponder.Incidents.Actions;
using AutoResponder.Incidents.Resources;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Teams;
using Microsoft.Extensions.Options;
using ImpactSummary = AutoResponder.Incidents.Resources.ImpactSummary;

namespace AutoResponder.Incidents.Api;

/// <summary>
/// The one place that maps storage to the public incident JSON (<see cref="IncidentResource"/>,
/// <see cref="IncidentListItem"/>, the sub-resource items). The incident's ETag is <see cref="IncidentETag"/>.
/// </summary>
public sealed class IncidentResources(
    IncidentStore store,
    IncidentStates states,
    ImpactSnapshotStore snapshots,
    IOptions<StatusEmailOptions> statusEmails,
    TimeProvider time) : IIncidentResourceReader
{
    public static IncidentListItem ToListItem(IncidentRecord i) => new(
        i.Id, i.Title, i.SeverityName, i.Status.ToApi(), i.Owner, i.Service, i.OpenedAt, i.ResolvedAt, i.ClosedAt,
        UpdatedAt(i), AlertCountsOf(i));

    /// <summary>
    /// The full incident: its row plus each feature's state rows (one partition range query), the latest impact
    /// snapshot and one filtered outbox query.
    /// </summary>
    public async Task<IncidentResource> ReadAsync(IncidentRecord i, CancellationToken ct)
    {
        var actions = ActionCountsAsync(i.Id, ct);
        var features = await states.ReadAllAsync(i.Id, ct);
        var impact = ImpactAsync(features.Get<ImpactState>(), ct);
        var teams = features.Get<TeamsState>();
        var path = $"/api/incidents/{i.Id}";
        return new IncidentResource(
            i.Id, i.Title, i.SeverityName, i.Status.ToApi(), i.Owner, i.Service, i.Rule, i.Source,
            i.OpenedAt, i.FirstAlertAt, i.LastAlertAt, i.AcknowledgedAt, i.MitigatedAt, i.ResolvedAt, i.ClosedAt,
            UpdatedAt(i),
            AlertCountsOf(i),
            i.StatusUpdatedAt is null
                ? null : new StatusUpdate(i.StatusText, i.NextSteps, i.Eta, i.StatusUpdatedBy, i.StatusUpdatedAt),
            await impact,
            teams.RootMessageId is not null ? new TeamsThread(teams.WebUrl)
                : teams.Digest is not null ? new TeamsThread(null, InStormDigest: true) : null,
            StatusEmailsOf(i, features.Get<StatusEmailState>()),
            PostmortemOf(i, features),
            EscalationOf(features.Get<OnCall.OnCallState>()),
            features.All<OnCall.ResponderState>(OnCall.ResponderState.KeyPrefix).Select(ResponderOf).ToList(),
            await actions,
            string.IsNullOrEmpty(i.LinksJson)
                ? [] : JsonSerializer.Deserialize<List<AlertLink>>(i.LinksJson, JsonSerializerOptions.Web) ?? [],
            new IncidentRelated($"{path}/timeline", $"{path}/alerts", $"{path}/actions", $"{path}/impact",
                features.Get<PostmortemState>().DraftBlob is null ? null : $"{path}/postmortem/draft"));
    }

    public static TimelineItem ToItem(TimelineEntry t) => new(t.At, t.Kind, t.Actor, t.Text);

    public static AlertItem ToItem(AlertRecord a)
        => new(a.Fingerprint, a.Source, a.SourceAlertId, a.Title, a.SeverityName,
        a.StatusName.ToLowerInvariant(), a.StartsAt, a.EndsAt, a.LastSeenAt, a.Occurrences, a.Service, a.Rule,
        string.IsNullOrEmpty(a.LabelsJson)
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize<Dictionary<string, string>>(a.LabelsJson) ?? []);

    public static ActionItem ToItem(OutboxAction a)
        => new(ActionItem.IdOf(a.RowKey), a.Kind, a.StatusName.ToLowerInvariant(), a.Attempts,
        a.CreatedAt, a.NextAttemptAt, a.CompletedAt, a.LastError, a.Result);

    private static EscalationSummary? EscalationOf(OnCall.OnCallState s) =>
        !s.Exists ? null : new(s.Policy, s.Level, s.Round, s.PagedPeople, s.LastPagedAt, s.StoppedAt, s.StopReason);

    private static ResponderJson ResponderOf(OnCall.ResponderState s)
        => new(s.Person, s.RequestedBy, s.RequestedAt, s.Message, s.PagedAt, s.AcknowledgedAt);

    /// <summary>
    /// Distinct alerts, as intake keeps them on the incident row (each alert is its own row; the counts move with
    /// them).
    /// </summary>
    private static AlertCounts AlertCountsOf(IncidentRecord i)
        => new(i.FiringAlertCount, i.ResolvedAlertCount, i.DistinctAlertCount);

    private static DateTimeOffset UpdatedAt(IncidentRecord i) => i.Timestamp ?? i.OpenedAt;

    private async Task<ImpactSummary?> ImpactAsync(ImpactState latest, CancellationToken ct) =>
        await snapshots.LatestAsync(latest, ct) is { } s
            ? new ImpactSummary(s.Orders, s.Customers, s.CustomersApproximate, s.MoneyAtRisk(), s.TakenAt, s.SnapshotId)
            : null;

    private async Task<ActionCounts> ActionCountsAsync(string id, CancellationToken ct)
    {
        var open = await store.GetActionsAsync(id, [OutboxStatus.Pending, OutboxStatus.Running, OutboxStatus.Failed],
            ct);
        var failed = open.Count(a => a.Status == OutboxStatus.Failed);
        return new ActionCounts(open.Count - failed, failed);
    }

    private StatusEmailsSummary StatusEmailsOf(IncidentRecord i, StatusEmailState sent)
    {
        var options = statusEmails.Value;
        var live = i.Status is IncidentStatus.Open or IncidentStatus.Acknowledged or IncidentStatus.Mitigated;
        DateTimeOffset? nextDueAt = options.Enabled && live
            ? StatusEmailSlots.NextDue(i.OpenedAt, options.CadenceFor(i.Severity), time.GetUtcNow()) : null;
        return new StatusEmailsSummary(sent.Sent, sent.LastSentAt, nextDueAt, sent.StormListedIn is not null);
    }

    private static PostmortemSummary PostmortemOf(IncidentRecord i, IncidentStateSet features)
    {
        var postmortem = features.Get<PostmortemState>();
        var byKind = features.All<ReminderState>(ReminderState.KindPrefix).Where(r => r.ReminderId is not null)
            .ToDictionary(r => r.Kind, StringComparer.Ordinal);
        var reminders = ReminderKinds.All
            .Where(byKind.ContainsKey)
            .Select(kind => new ReminderSummary(kind, byKind[kind].StatusName.ToLowerInvariant(), byKind[kind].DueAt))
            .ToList();
        var state = postmortem.Completed ? "completed"
            : postmortem.DraftBlob is not null ? "drafted"
            : i.Status is IncidentStatus.Resolved or IncidentStatus.Closed ? "pending"
            : "none";
        return new PostmortemSummary(state, postmortem.Link, postmortem.CompletedAt, reminders);
    }
}
