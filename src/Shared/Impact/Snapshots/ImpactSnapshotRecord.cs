using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Impact;

/// <summary>
/// One impact snapshot, written only after its export blob is committed. Table "ImpactSnapshots":
/// PartitionKey = incident id, RowKey = "snap|{sequence:D6}" (oldest first).
/// </summary>
public sealed class ImpactSnapshotRecord : ITableEntity
{
    public const string Prefix = "snap|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string SnapshotId { get; set; } = "";
    public int Sequence { get; set; }
    /// <summary>The outbox action that took it (a retry of that action finds it instead of taking another).</summary>
    public string ActionId { get; set; } = "";
    public string Trigger { get; set; } = "";
    public DateTimeOffset TakenAt { get; set; }
    public DateTimeOffset WindowFrom { get; set; }
    public DateTimeOffset WindowTo { get; set; }
    public bool WindowOpen { get; set; }
    public bool WindowTruncated { get; set; }
    public string Rules { get; set; } = "";
    /// <summary>
    /// JSON array of <see cref="AppliedRule"/>: each rule that applied, what its money means, who selected it and why.
    /// </summary>
    public string AppliedJson { get; set; } = "[]";
    /// <summary>JSON object rule → currency → amount (invariant decimal text).</summary>
    public string MoneyByRuleJson { get; set; } = "{}";
    /// <summary>
    /// For a snapshot taken after a responder corrected the rules: the snapshot it supersedes, and who corrected.
    /// </summary>
    public string? Supersedes { get; set; }
    public string? CorrectedBy { get; set; }
    public long Orders { get; set; }
    public long Customers { get; set; }
    public bool CustomersApproximate { get; set; }
    /// <summary>JSON object currency → amount (invariant decimal text).</summary>
    public string MoneyAtRiskJson { get; set; } = "{}";
    public string OrdersByRuleJson { get; set; } = "{}";
    public DateTimeOffset? FirstOrderAt { get; set; }
    public DateTimeOffset? LastOrderAt { get; set; }
    public long NewOrders { get; set; }
    public long NoLongerAffected { get; set; }
    public string Container { get; set; } = "";
    public string BlobName { get; set; } = "";
    public long SizeBytes { get; set; }

    public static string Key(int sequence) => $"{Prefix}{sequence:D6}";

    public Dictionary<string, decimal> MoneyAtRisk() =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(MoneyAtRiskJson)!
            .ToDictionary(p => p.Key, p => decimal.Parse(p.Value, System.Globalization.CultureInfo.InvariantCulture));

    public Dictionary<string, long> OrdersByRule()
        => JsonSerializer.Deserialize<Dictionary<string, long>>(OrdersByRuleJson) ?? [];

    public List<AppliedRule> Applied()
        => string.IsNullOrEmpty(AppliedJson) ? [] : JsonSerializer.Deserialize<List<AppliedRule>>(AppliedJson) ?? [];

    public Dictionary<string, Dictionary<string, decimal>> MoneyByRule() =>
        (string.IsNullOrEmpty(MoneyByRuleJson)
            ? null : JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(MoneyByRuleJson))?
            .ToDictionary(r => r.Key, r =>
                r.Value.ToDictionary(p => p.Key, p =>
                decimal.Parse(p.Value, System.Globalization.CultureInfo.InvariantCulture))) ?? [];

    /// <summary>
    /// Money at risk per measure ("Underpaid", "Order value at risk", "Amount stuck") and currency, summed over the
    /// rules of each measure. Empty for a snapshot recorded before rules were named (then only
    /// <see cref="MoneyAtRisk"/> is known).
    /// </summary>
    public List<(MoneyMeasure Measure, SortedDictionary<string, decimal> Amounts)> MoneyByMeasure()
    {
        var measures = Applied()
            .ToDictionary(a => a.Name, a => MoneyMeasures.FromApi(a.Measure), StringComparer.Ordinal);
        var sums = new SortedDictionary<MoneyMeasure, SortedDictionary<string, decimal>>();
        foreach (var (rule, amounts) in MoneyByRule())
        {
            if (measures.GetValueOrDefault(rule) is not { } measure) continue;
            if (!sums.TryGetValue(measure, out var sum))
                sums[measure] = sum = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var (currency, amount) in amounts) sum[currency] = sum.GetValueOrDefault(currency) + amount;
        }
        return sums.Select(s => (s.Key, s.Value)).ToList();
    }

    public static ImpactSnapshotRecord From(string incidentId, int sequence, string actionId, string trigger,
        DateTimeOffset takenAt,
        ImpactWindow window, IReadOnlyList<SelectedRule> rules, ExportResult export, string container, string blobName) => new()
        {
            PartitionKey = incidentId,
            RowKey = Key(sequence),
            SnapshotId = sequence.ToString("D4"),
            Sequence = sequence,
            ActionId = actionId,
            Trigger = trigger,
            TakenAt = takenAt,
            WindowFrom = window.From,
            WindowTo = window.To,
            WindowOpen = window.Open,
            WindowTruncated = window.Truncated,
            Rules = string.Join(',', rules.Select(r => r.Rule.Name)),
            AppliedJson = JsonSerializer.Serialize(rules.Select(AppliedRule.Of)),
            MoneyByRuleJson = JsonSerializer.Serialize(export.Summary.MoneyByRule.ToDictionary(r => r.Key,
            r => r.Value.ToDictionary(p => p.Key, p =>
                p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            Orders = export.Summary.Orders,
            Customers = export.Summary.Customers,
            CustomersApproximate = export.Summary.CustomersApproximate,
            MoneyAtRiskJson = JsonSerializer.Serialize(export.Summary.MoneyAtRisk.ToDictionary(p => p.Key, p =>
                p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            OrdersByRuleJson = JsonSerializer.Serialize(export.Summary.OrdersByRule),
            FirstOrderAt = export.Summary.FirstOrderAt,
            LastOrderAt = export.Summary.LastOrderAt,
            NewOrders = export.NewOrders,
            NoLongerAffected = export.NoLongerAffected,
            Container = container,
            BlobName = blobName,
            SizeBytes = export.SizeBytes,
        };
}

/// <summary>
/// A rule as a snapshot recorded it: name, kind, what its money at risk means, who selected it and why.
/// </summary>
public sealed record AppliedRule(string Name, string Kind, string Measure, string SelectedBy, string Why)
{
    public static AppliedRule Of(SelectedRule s)
        => new(s.Rule.Name, s.Rule.Kind.ToString(), s.Rule.Measure.ToApi(), s.SelectedBy, s.Why);
}

/// <summary>
/// The incident's impact lease (RowKey "lease" in its ImpactSnapshots partition): held while a snapshot runs, or
/// briefly by a refresh request until its snapshot starts. A second refresh meanwhile is a 409.
/// </summary>
public sealed class ImpactLeaseRecord : ITableEntity
{
    public const string Key = "lease";
    public const string Requested = "requested";
    public const string Running = "running";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Key;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = Running;
    public string Holder { get; set; } = "";
    public DateTimeOffset Until { get; set; }
}
