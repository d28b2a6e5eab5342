namespace AutoResponder.Alerts;

/// <summary>Incident severity, Sev0 (worst) .. Sev4 (informational).</summary>
public enum Severity { Sev0 = 0, Sev1 = 1, Sev2 = 2, Sev3 = 3, Sev4 = 4 }

public enum AlertStatus { Firing, Resolved }

public sealed record AlertLink(string Title, string Url);

/// <summary>
/// One alert, normalised from whatever source sent it. Parsers produce these; the incident
/// service only ever sees this shape.
/// </summary>
public sealed record Alert
{
    /// <summary>"azure-monitor", "alertmanager", "grafana" or "generic".</summary>
    public required string Source { get; init; }
    /// <summary>
    /// The id the source gives this alert (Azure Monitor alertId, Alertmanager fingerprint, generic dedupKey or a
    /// hash).
    /// </summary>
    public required string SourceAlertId { get; init; }
    /// <summary>
    /// Stable identity of the alert across deliveries and firing/resolved. Same fingerprint = same alert.
    /// </summary>
    public required string Fingerprint { get; init; }
    /// <summary>
    /// A key supplied by the sender that wins over the fingerprint for deduplication (generic dedupKey, label
    /// "dedup_key").
    /// </summary>
    public string? DedupKey { get; init; }
    public required string Title { get; init; }
    public string? Description { get; init; }
    public required Severity Severity { get; init; }
    public required AlertStatus Status { get; init; }
    public required DateTimeOffset StartsAt { get; init; }
    public DateTimeOffset? EndsAt { get; init; }
    /// <summary>
    /// The affected service or resource (Azure resource id, Alertmanager service/job label, generic service).
    /// </summary>
    public string? Service { get; init; }
    /// <summary>The rule that fired (Azure alert rule name, Alertmanager alertname).</summary>
    public string? Rule { get; init; }
    /// <summary>
    /// The group the sender delivered this alert in (Alertmanager/Grafana <c>groupKey</c>); null when it has none.
    /// </summary>
    public string? DeliveryGroup { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<AlertLink> Links { get; init; } = [];

    /// <summary>The key deduplication uses: the sender's dedup key when given, else the fingerprint.</summary>
    public string DeduplicationKey => string.IsNullOrWhiteSpace(DedupKey) ? Fingerprint : DedupKey!;
}
