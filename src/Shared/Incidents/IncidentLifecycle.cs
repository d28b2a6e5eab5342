using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Intake;

namespace AutoResponder.Incidents;

/// <summary>A human action that the incident's status does not allow (HTTP 409).</summary>
public sealed class InvalidTransitionException(string incidentId, string action, IncidentStatus current)
    : Exception($"Cannot {action} incident {incidentId}: it is {current.ToApi()}.")
{
    public string Action { get; } = action;
    public IncidentStatus Current { get; } = current;
}

/// <summary>
/// The rules of the incident's life, as pure changes to an <see cref="IncidentChange"/>: what each
/// action is allowed from, which fields it sets and which timeline entries it adds.
/// </summary>
public static class IncidentLifecycle
{
    public const string SystemActor = "autoresponder";

    public static void Acknowledge(IncidentChange change, string owner, string actor, DateTimeOffset now)
    {
        var incident = Require(change, "acknowledge", IncidentStatus.Open, IncidentStatus.Acknowledged);
        var handover = incident.Status == IncidentStatus.Acknowledged;
        incident.Status = IncidentStatus.Acknowledged;
        incident.Owner = owner;
        incident.AcknowledgedAt ??= now;
        change.Add(now, TimelineKinds.Acknowledged, actor, handover ? $"Ownership handed to {owner}." : $"Acknowledged; owner {owner}.");
    }

    public static void UpdateStatus(IncidentChange change, string text, string? nextSteps, DateTimeOffset? eta, string actor, DateTimeOffset now)
    {
        var incident = Require(change, "update the status of", IncidentStatus.Open, IncidentStatus.Acknowledged, IncidentStatus.Mitigated);
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
        change.Add(now, TimelineKinds.Mitigated, actor, string.IsNullOrWhiteSpace(text) ? "Mitigated: customer impact stopped." : $"Mitigated: {text}");
    }

    public static void Resolve(IncidentChange change, string? text, string actor, DateTimeOffset now)
    {
        var incident = Require(change, "resolve", IncidentStatus.Open, IncidentStatus.Acknowledged, IncidentStatus.Mitigated);
        incident.Status = IncidentStatus.Resolved;
        incident.MitigatedAt ??= now;
        incident.ResolvedAt = now;
        if (!string.IsNullOrWhiteSpace(text)) incident.StatusText = text;
        change.Add(now, TimelineKinds.Resolved, actor, string.IsNullOrWhiteSpace(text) ? "Resolved." : $"Resolved: {text}");
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
            AlertCount = 1,
            DistinctAlertCount = 1,
            FiringAlertCount = 1,
            AlertsVersion = 1,
            LinksJson = alert.Links.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(alert.Links, System.Text.Json.JsonSerializerOptions.Web),
            DedupHash = keys.Dedup,
            GroupHash = keys.Group,
        };
        var change = new IncidentChange(incident, isNew: true);
        change.Occurrences.Add(keys.OccurrenceRowKey);
        change.Add(now, TimelineKinds.Opened, alert.Source, $"Opened by {alert.Source} alert: {alert.Title} ({alert.Severity}{(alert.Service is null ? "" : $", {alert.Service}")}).");
        change.Upserts.Add(keys.ToRecord(id, alert, now));
        return change;
    }

    /// <summary>
    /// Applies one more alert to an existing incident and returns the outcome for the sender.
    /// <paramref name="known"/> is the alert's state in the incident before it: null when the incident has no row
    /// for it yet, true when it is firing, false when it was resolved. The incident's counts follow.
    /// </summary>
    public static string ApplyAlert(IncidentChange change, Alert alert, AlertKeys keys, bool? known, AutoResponderOptions options, DateTimeOffset now)
    {
        var incident = change.Incident;
        change.Occurrences.Add(keys.OccurrenceRowKey);
        var firingNow = alert.Status == AlertStatus.Firing;
        if (known != true || !firingNow)
        {
            change.Upserts.Add(keys.ToRecord(incident.Id, alert, now)); // the alert row changes only when its state does
            incident.AlertsVersion++;
            if (known is null) incident.DistinctAlertCount++;
            if (known == true) incident.FiringAlertCount--;
            if (firingNow) incident.FiringAlertCount++;
        }
        string outcome;

        if (firingNow)
        {
            incident.AlertCount++;
            incident.LastAlertAt = now;
            outcome = IngestOutcomes.Appended;
            if (incident.Status == IncidentStatus.Resolved)
            {
                incident.Status = IncidentStatus.Open;
                incident.ResolvedAt = null;
                incident.MitigatedAt = null;
                change.Add(now, TimelineKinds.Reopened, alert.Source, $"Reopened: {alert.Title} fired again.");
                outcome = IngestOutcomes.Reopened;
            }
            else if (incident.Status == IncidentStatus.Mitigated)
            {
                incident.Status = incident.Owner is null ? IncidentStatus.Open : IncidentStatus.Acknowledged;
                incident.MitigatedAt = null;
                change.Add(now, TimelineKinds.Reopened, alert.Source, $"{alert.Title} fired again after mitigation; back to {incident.Status.ToApi()}.");
            }
            change.Add(now, TimelineKinds.Alert, alert.Source, $"Alert fired: {alert.Title} ({alert.Severity}). Alert #{incident.AlertCount}.");
            if (alert.Severity < incident.Severity)
            {
                change.Add(now, TimelineKinds.SeverityRaised, alert.Source, $"Severity raised from {incident.Severity} to {alert.Severity}.");
                incident.Severity = alert.Severity;
            }
        }
        else
        {
            outcome = IngestOutcomes.Resolved;
            change.Add(now, TimelineKinds.AlertResolved, alert.Source, $"Alert resolved: {alert.Title}.");
            if (incident.FiringAlertCount == 0 && incident.Status.IsLive())
                ApplyAllResolvedPolicy(change, options.WhenAllAlertsResolved, now);
        }
        return outcome;
    }

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
        if (!allowed.Contains(incident.Status)) throw new InvalidTransitionException(incident.Id, action, incident.Status);
        return incident;
    }
}
