using AutoResponder.Alerts;
using AutoResponder.Hosting;

namespace AutoResponder.Incidents;

/// <summary>A human action that the incident's status does not allow (HTTP 409).</summary>
internal sealed class InvalidTransitionException(string incidentId, string action, IncidentStatus current)
    : Exception($"Cannot {action} incident {incidentId}: it is {current.ToApi()}.")
{
    public string Action { get; } = action;
    public IncidentStatus Current { get; } = current;
}

/// <summary>What an alert delivery did to its incident (intake reports it to the sender).</summary>
public enum AlertOutcome { Opened, Appended, Resolved, Reopened }

/// <summary>How an incident takes one delivery of an alert: <see cref="IncidentLifecycle.Judge"/>.</summary>
internal enum AlertVerdict
{
    /// <summary>
    /// News that changes the incident (a new alert, a resolution, a firing after resolving, a raised severity …).
    /// </summary>
    Change,
    /// <summary>
    /// Another firing of a firing alert that needs nothing of the incident row: counted on its alert row only.
    /// </summary>
    Repeat,
    /// <summary>Its alert row already records this delivery (a redelivery, or older news).</summary>
    Duplicate,
    /// <summary>A resolution the incident no longer takes (it is closed): nothing to do.</summary>
    Ignored,
    /// <summary>
    /// A firing the incident no longer takes (closed, or resolved beyond the reopen window): a new incident's.
    /// </summary>
    OpensNew,
    /// <summary>
    /// The incident was opened for another dedup key and group (an id collision, a stale pointer): never filed there.
    /// </summary>
    Stranger,
}

/// <summary>
/// The rules of the incident's life, as pure changes to an <see cref="IncidentChange"/>: what each
/// action is allowed from, which fields it sets and which timeline entries it adds; and, for alerts, whether the
/// incident takes a delivery at all (<see cref="Judge"/>).
/// </summary>
internal static class IncidentLifecycle
{
    public const string SystemActor = "autoresponder";

    /// <summary>
    /// How stale a repeat may find the incident's last alert time before it refreshes it (writing the incident row).
    /// </summary>
    public static readonly TimeSpan RepeatRefresh = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The one judgement of an alert delivery against an incident (intake evaluates it once per alert, in its
    /// committer): whether the alert belongs to the incident (<see cref="BelongsTo"/>), whether the incident still
    /// takes it (<see cref="Takes"/>; when not, a resolution is <see cref="AlertVerdict.Ignored"/>, a firing no newer
    /// than its alert row a duplicate, any other firing <see cref="AlertVerdict.OpensNew"/>), whether its alert row
    /// already records it (<see cref="AlertRowState.Judge"/>), and whether a repeat leaves the incident row alone
    /// (<see cref="RepeatLeavesIncident"/>). <paramref name="row"/> is the alert's row in the incident (null: none
    /// yet).
    /// </summary>
    public static AlertVerdict Judge(IncidentRecord incident, AlertKeys keys, Alert alert, AlertRowState? row,
        AutoResponderOptions settings, DateTimeOffset now)
    {
        if (!BelongsTo(incident, keys)) return AlertVerdict.Stranger;
        if (!Takes(incident, alert, settings, now))
            return alert.Status == AlertStatus.Resolved ? AlertVerdict.Ignored
                // old news: a redelivery of what the incident holds
                : row is { } known && known.StartsAt >= alert.StartsAt ? AlertVerdict.Duplicate
                : AlertVerdict.OpensNew;
        return AlertRowState.Judge(row, alert) switch
        {
            AlertNews.Duplicate => AlertVerdict.Duplicate,
            AlertNews.Repeat when RepeatLeavesIncident(incident, alert, RepeatRefresh, now) => AlertVerdict.Repeat,
            _ => AlertVerdict.Change,
        };
    }

    /// <summary>
    /// Whether the incident takes this alert now: a live incident takes everything; a resolved one takes
    /// resolutions and, within the reopen window, firings (which reopen it); a closed one nothing.
    /// </summary>
    public static bool Takes(IncidentRecord incident, Alert alert, AutoResponderOptions settings, DateTimeOffset now) =>
        incident.Status.IsLive() ||
        (incident.Status == IncidentStatus.Resolved && (alert.Status == AlertStatus.Resolved ||
            (settings.ReopenWindowMinutes > 0
                && now - incident.ResolvedAt <= TimeSpan.FromMinutes(settings.ReopenWindowMinutes))));

    /// <summary>Acknowledged, and owned by <paramref name="owner"/> (names compare ignoring case).</summary>
    public static bool OwnedBy(IncidentRecord incident, string owner) =>
        incident.Status == IncidentStatus.Acknowledged && string.Equals(incident.Owner, owner, StringComparison.OrdinalIgnoreCase);

    public static void Acknowledge(IncidentChange change, string owner, string actor, DateTimeOffset now)
    {
        var incident = Require(change, "acknowledge", IncidentStatus.Open, IncidentStatus.Acknowledged);
        var handover = incident.Status == IncidentStatus.Acknowledged;
        incident.Status = IncidentStatus.Acknowledged;
        incident.Owner = owner;
        incident.AcknowledgedAt ??= now;
        change.Add(now, TimelineKinds.Acknowledged, actor,
            handover ? $"Ownership handed to {owner}." : $"Acknowledged; owner {owner}.");
    }

    public static void UpdateStatus(IncidentChange change, string text, string? nextSteps, DateTimeOffset? eta,
        string actor, DateTimeOffset now)
    {
        var incident = Require(change, "update the status of", IncidentStatus.Open, IncidentStatus.Acknowledged,
            IncidentStatus.Mitigated);
        incident.StatusText = text;
        if (nextSteps is not null) incident.NextSteps = nextSteps;
        if (eta is not null) incident.Eta = eta;
        incident.StatusUpdatedAt = now;
        incident.StatusUpdatedBy = actor;
        var parts = new List<string> { text };
        if (nextSteps is not null) parts.Add($"Next steps: {nextSteps}");
        if (eta is not null) parts.Add($"ETA: {eta:yyyy-MM-dd HH:mm} UTC");
        change.Add(now, TimelineKinds.StatusUpdate, actor, string.Join(" · ", parts));
    }

    public static void Mitigate(IncidentChange change, string? text, string actor, DateTimeOffset now)
    {
        var incident = Require(change, "mitigate", IncidentStatus.Open, IncidentStatus.Acknowledged);
        incident.Status = IncidentStatus.Mitigated;
        incident.MitigatedAt = now;
        if (!string.IsNullOrWhiteSpace(text)) incident.StatusText = text;
        change.Add(now, TimelineKinds.Mitigated, actor,
            string.IsNullOrWhiteSpace(text) ? "Mitigated: customer impact stopped." : $"Mitigated: {text}");
    }

    public static void Resolve(IncidentChange change, string? text, string actor, DateTimeOffset now)
    {
        var incident = Require(change, "resolve", IncidentStatus.Open, IncidentStatus.Acknowledged,
            IncidentStatus.Mitigated);
        incident.Status = IncidentStatus.Resolved;
        incident.MitigatedAt ??= now;
        incident.ResolvedAt = now;
        if (!string.IsNullOrWhiteSpace(text)) incident.StatusText = text;
        change.Add(now, TimelineKinds.Resolved, actor,
            string.IsNullOrWhiteSpace(text) ? "Resolved." : $"Resolved: {text}");
    }

    public static void Close(IncidentChange change, string? text, string actor, DateTimeOffset now)
    {
        var incident = Require(change, "close", IncidentStatus.Resolved);
        incident.Status = IncidentStatus.Closed;
        incident.ClosedAt = now;
        change.Add(now, TimelineKinds.Closed, actor, string.IsNullOrWhiteSpace(text) ? "Closed." : $"Closed: {text}");
    }

    /// <summary>Opens a new incident from its first alert.</summary>
    public static IncidentChange Open(string id, Alert alert, AlertKeys keys, DateTimeOffset now)
    {
        var incident = new IncidentRecord
        {
            PartitionKey = id,
            Id = id,
            Title = alert.Title,
            Severity = alert.Severity,
            Status = IncidentStatus.Open,
            Service = alert.Service,
            Rule = alert.Rule,
            Source = alert.Source,
            OpenedAt = now,
            FirstAlertAt = alert.StartsAt,
            LastAlertAt = now,
            DistinctAlertCount = 1,
            FiringAlertCount = 1,
            AlertsVersion = 1,
            LinksJson = alert.Links.Count == 0
                ? null : System.Text.Json.JsonSerializer.Serialize(alert.Links,
                System.Text.Json.JsonSerializerOptions.Web),
            DedupHash = keys.Dedup,
            GroupHash = keys.Group,
        };
        var change = new IncidentChange(incident, isNew: true);
        change.Add(now, TimelineKinds.Opened, alert.Source,
            $"Opened by {alert.Source} alert: {alert.Title} " +
            $"({alert.Severity}{(alert.Service is null ? "" : $", {alert.Service}")}).");
        change.AlertRows.Add(keys.ToRecord(id, alert, now, known: null));
        return change;
    }

    /// <summary>
    /// Applies one more delivery of an alert to an existing incident and returns the outcome for the sender.
    /// <paramref name="known"/> is the alert's row before it (null when the incident has no row for it yet); the
    /// delivery is news (<see cref="Judge"/> said <see cref="AlertVerdict.Change"/>). The alert row is written under
    /// its ETag and the incident's counts follow. A repeat of a firing alert is counted on the alert row, not the
    /// timeline; it touches the incident only for what it changes (back from mitigated or resolved, severity raised,
    /// last alert time).
    /// </summary>
    public static AlertOutcome ApplyAlert(IncidentChange change, Alert alert, AlertKeys keys, AlertRowState? known,
        AutoResponderOptions options, DateTimeOffset now)
    {
        var incident = change.Incident;
        var firingNow = alert.Status == AlertStatus.Firing;
        var repeat = known is { Firing: true } && firingNow;
        change.AlertRows.Add(keys.ToRecord(incident.Id, alert, now, known));
        if (!repeat)
        {
            incident.AlertsVersion++;
            if (known is null) incident.DistinctAlertCount++;
            if (known is { Firing: true }) incident.FiringAlertCount--;
            if (firingNow) incident.FiringAlertCount++;
        }
        AlertOutcome outcome;

        if (firingNow)
        {
            incident.LastAlertAt = now;
            outcome = AlertOutcome.Appended;
            if (incident.Status == IncidentStatus.Resolved)
            {
                incident.Status = IncidentStatus.Open;
                incident.ResolvedAt = null;
                incident.MitigatedAt = null;
                change.Add(now, TimelineKinds.Reopened, alert.Source, $"Reopened: {alert.Title} fired again.");
                outcome = AlertOutcome.Reopened;
            }
            else if (incident.Status == IncidentStatus.Mitigated)
            {
                incident.Status = incident.Owner is null ? IncidentStatus.Open : IncidentStatus.Acknowledged;
                incident.MitigatedAt = null;
                change.Add(now, TimelineKinds.Reopened, alert.Source,
                    $"{alert.Title} fired again after mitigation; back to {incident.Status.ToApi()}.");
            }
            if (!repeat)
                change.Add(now, TimelineKinds.Alert, alert.Source,
                    $"Alert fired: {alert.Title} ({alert.Severity}). {Alerts(incident.FiringAlertCount)} firing in this incident.");
            if (alert.Severity < incident.Severity)
            {
                change.Add(now, TimelineKinds.SeverityRaised, alert.Source,
                    $"Severity raised from {incident.Severity} to {alert.Severity}.");
                incident.Severity = alert.Severity;
            }
        }
        else
        {
            outcome = AlertOutcome.Resolved;
            change.Add(now, TimelineKinds.AlertResolved, alert.Source, $"Alert resolved: {alert.Title}.");
            if (incident.FiringAlertCount == 0 && incident.Status.IsLive())
                ApplyAllResolvedPolicy(change, options.WhenAllAlertsResolved, now);
        }
        return outcome;
    }

    /// <summary>
    /// Whether the alert may join the incident: the incident was opened for its dedup key or for its group. False for
    /// an unrelated incident (an id taken by another group, a stale pointer): such an append is refused, never filed.
    /// </summary>
    public static bool BelongsTo(IncidentRecord incident, AlertKeys keys) =>
        incident.DedupHash == keys.Dedup || (keys.Group is not null && incident.GroupHash == keys.Group);

    /// <summary>
    /// Another firing of a firing alert, counted on its alert row only (<see cref="AlertVerdict.Repeat"/>).
    /// </summary>
    public static void CountRepeat(IncidentChange change, Alert alert, AlertKeys keys, AlertRowState? known,
        DateTimeOffset now) =>
        change.AlertRows.Add(keys.ToRecord(change.IncidentId, alert, now, known));

    /// <summary>
    /// Whether another firing of a firing alert is only counted (on its row) and needs nothing of the incident row: the
    /// incident is open or acknowledged, the severity is not raised, and its last alert time was refreshed within
    /// <paramref name="refresh"/> (so a storm of repeats writes the incident row at most that often).
    /// </summary>
    public static bool RepeatLeavesIncident(IncidentRecord incident, Alert alert, TimeSpan refresh,
        DateTimeOffset now) =>
        incident.Status is IncidentStatus.Open or IncidentStatus.Acknowledged &&
        alert.Severity >= incident.Severity &&
        now - (incident.LastAlertAt ?? incident.OpenedAt) < refresh;

    private static string Alerts(int n) => n == 1 ? "1 alert" : $"{n} alerts";

    private static void ApplyAllResolvedPolicy(IncidentChange change, ResolvedAlertsPolicy policy, DateTimeOffset now)
    {
        var status = change.Incident.Status;
        switch (policy)
        {
            case ResolvedAlertsPolicy.Mitigate when status is IncidentStatus.Open or IncidentStatus.Acknowledged:
                Mitigate(change, "All alerts resolved.", SystemActor, now);
                break;
            case ResolvedAlertsPolicy.Resolve:
                Resolve(change, "All alerts resolved.", SystemActor, now);
                break;
        }
    }

    private static IncidentRecord Require(IncidentChange change, string action, params IncidentStatus[] allowed)
    {
        var incident = change.Incident;
        if (!allowed.Contains(incident.Status))
            throw new InvalidTransitionException(incident.Id, action, incident.Status);
        return incident;
    }
}
