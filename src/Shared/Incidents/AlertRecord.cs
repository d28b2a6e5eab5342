using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>The latest state of one alert (by fingerprint) inside an incident: RowKey "al|{hash}".</summary>
public sealed class AlertRecord : ITableEntity
{
    public const string Prefix = "al|";

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
    public string? Service { get; set; }
    public string? Rule { get; set; }
    public string? LabelsJson { get; set; }
}
