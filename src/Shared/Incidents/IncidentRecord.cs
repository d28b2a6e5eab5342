using System.Runtime.Serialization;
using AutoResponder.Alerts;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// The incident row: PartitionKey = incident id, RowKey = "incident". Its timeline, alert, occurrence and
/// outbox rows and the features' state rows share the partition so one transaction changes them together.
/// It holds only what its writers must agree on; what features did is in their own rows (<see cref="IncidentState"/>).
/// </summary>
public sealed class IncidentRecord : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = IncidentRows.Incident;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public string SeverityName { get; set; } = nameof(Alerts.Severity.Sev3);
    public string StatusName { get; set; } = nameof(IncidentStatus.Open);
    public string? Owner { get; set; }
    public string? Service { get; set; }
    public string? Rule { get; set; }
    public string? Source { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? FirstAlertAt { get; set; }
    public DateTimeOffset? LastAlertAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public DateTimeOffset? MitigatedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public DateTimeOffset? StatusUpdatedAt { get; set; }
    public string? StatusUpdatedBy { get; set; }
    /// <summary>Distinct alerts (alert rows) in the incident.</summary>
    public int DistinctAlertCount { get; set; }
    /// <summary>Distinct alerts currently firing; the rest of <see cref="DistinctAlertCount"/> are resolved.</summary>
    public int FiringAlertCount { get; set; }
    /// <summary>
    /// Bumped by every commit that changes alert rows: a writer's cached view of them is current while it matches.
    /// </summary>
    public long AlertsVersion { get; set; }
    public string? StatusText { get; set; }
    public string? NextSteps { get; set; }
    public DateTimeOffset? Eta { get; set; }
    /// <summary>JSON array of {title,url}.</summary>
    public string? LinksJson { get; set; }
    public string DedupHash { get; set; } = "";
    public string? GroupHash { get; set; }

    [IgnoreDataMember]
    public IncidentStatus Status
    {
        get => Enum.Parse<IncidentStatus>(StatusName);
        set => StatusName = value.ToString();
    }

    [IgnoreDataMember]
    public Severity Severity
    {
        get => Enum.Parse<Severity>(SeverityName);
        set => SeverityName = value.ToString();
    }

    [IgnoreDataMember]
    public int ResolvedAlertCount => DistinctAlertCount - FiringAlertCount;

    public IncidentRecord Clone() => (IncidentRecord)MemberwiseClone();
}
