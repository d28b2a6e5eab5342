namespace AutoResponder.Impact;

/// <summary>
/// What one export found: affected orders, distinct customers, money at risk per currency (and per rule), first and
/// last affected order.
/// </summary>
public sealed record ImpactSummary(
    long Orders,
    long Customers,
    bool CustomersApproximate,
    IReadOnlyDictionary<string, decimal> MoneyAtRisk,
    IReadOnlyDictionary<string, long> OrdersByRule,
    DateTimeOffset? FirstOrderAt,
    DateTimeOffset? LastOrderAt)
{
    /// <summary>Money at risk per rule and currency (what it means is the rule's <see cref="MoneyMeasure"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> MoneyByRule { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, decimal>>();
}

/// <summary>An export written and committed: its summary, size, and its delta against the previous export.</summary>
public sealed record ExportResult(ImpactSummary Summary, long SizeBytes, long NewOrders, long NoLongerAffected);
