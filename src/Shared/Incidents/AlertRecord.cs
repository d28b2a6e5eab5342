using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// The latest state of one alert (by fingerprint) inside an incident: RowKey <see cref="IncidentRows.Alert"/>. It is
/// also the record of what was delivered: <see cref="StartsAt"/> is the newest occurrence seen and
/// <see cref="Occurrences"/> counts its firings, so a redelivery is recognised from this row (see
/// <see cref="AlertRowState.Judge"/>).
/// </summary>
public sealed class AlertRecord : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Fingerprint { get; set; } = "";
    public string Source { get; set; } = "";
    public string SourceAlertId { get; set; } = "";
    public string Title { get; set; } = "";
    public string SeverityName { get; set; } = "";
    public string StatusName { get; set; } = "";
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    /// <summary>Firing deliveries of this alert recorded in the incident (each distinct occurrence once).</summary>
    public int Occurrences { get; set; }
    public string? Service { get; set; }
    public string? Rule { get; set; }
    public string? LabelsJson { get; set; }
}

/// <summary>
/// What a writer keeps of an alert row: enough to judge the next delivery and to write the row under its ETag.
/// </summary>
public readonly record struct AlertRowState(bool Firing, DateTimeOffset StartsAt, int Occurrences, ETag ETag)
{
    public static AlertRowState Of(AlertRecord row) =>
        new(row.StatusName == nameof(Alerts.AlertStatus.Firing), row.StartsAt, row.Occurrences, row.ETag);

    /// <summary>
    /// What a delivery of this alert is news of, given its row (null: the incident has no row for it yet):
    /// <list type="bullet">
    /// <item>the same occurrence again (same <c>startsAt</c>, nothing newer to say) or a stale one (older than the row
    /// and not a firing of a firing alert) is a <see cref="AlertNews.Duplicate"/>;</item>
    /// <item>another firing of an alert that is firing (newer, or older but late) is a <see cref="AlertNews.Repeat"/>:
    /// the row counts it, the incident's state does not change;</item>
    /// <item>anything else changes the alert's state (new alert, resolution, firing again after resolving):
    /// <see cref="AlertNews.Change"/>.</item>
    /// </list>
    /// </summary>
    public static AlertNews Judge(AlertRowState? row, Alerts.Alert alert)
    {
        if (row is not { } known) return AlertNews.Change;
        var firing = alert.Status == Alerts.AlertStatus.Firing;
        if (alert.StartsAt < known.StartsAt) return firing && known.Firing ? AlertNews.Repeat : AlertNews.Duplicate;
        if (alert.StartsAt == known.StartsAt) return !firing && known.Firing ? AlertNews.Change : AlertNews.Duplicate;
        return firing && known.Firing ? AlertNews.Repeat : AlertNews.Change;
    }
}

/// <summary>See <see cref="AlertRowState.Judge"/>.</summary>
public enum AlertNews { Duplicate, Repeat, Change }
