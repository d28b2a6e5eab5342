using System.Text.Json;
using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;

namespace AutoResponder.Impact;

/// <summary>What a rule found about one order: the catalog price it compared with (if any) and the money at risk.</summary>
public readonly record struct RuleVerdict(decimal? CatalogPrice, decimal? PriceDelta, decimal MoneyAtRisk);

/// <summary>
/// A configured impact rule, compiled: does it apply to an incident (by alert rule, service or label), and does it
/// select a given order (by kind and filters)? Pure; the exporter calls <see cref="Evaluate"/> once per order.
/// </summary>
public sealed class ImpactRule
{
    private readonly HashSet<string> _alertRules, _services, _channels, _regions, _skus, _payments, _statuses;

    public ImpactRule(ImpactRuleOptions options)
    {
        Options = options;
        _alertRules = Set(options.AlertRules);
        _services = Set(options.Services);
        _channels = Set(options.Channels);
        _regions = Set(options.Regions);
        _skus = new HashSet<string>(options.Skus.Select(s => s.Trim()), StringComparer.Ordinal);
        _payments = Set(options.PaymentMethods);
        _statuses = Set(options.Statuses);
        MoneyAtRisk = options.MoneyAtRisk ?? (options.Kind == ImpactRuleKind.BelowCatalogPrice ? MoneyAtRiskMode.Delta : MoneyAtRiskMode.Total);
    }

    public ImpactRuleOptions Options { get; }
    public string Name => Options.Name;
    public ImpactRuleKind Kind => Options.Kind;
    public MoneyAtRiskMode MoneyAtRisk { get; }

    private static HashSet<string> Set(IEnumerable<string> values) => new(values.Select(v => v.Trim()), StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the rule applies to the incident: MatchAll, or its alert rule, its service, or a label on any of its alerts is listed.</summary>
    public bool AppliesTo(IncidentRecord incident, IEnumerable<AlertRecord> alerts)
    {
        if (Options.MatchAll) return true;
        if (incident.Rule is { } rule && _alertRules.Contains(rule)) return true;
        if (incident.Service is { } service && _services.Contains(service)) return true;
        foreach (var alert in alerts)
        {
            if (alert.Rule is { } r && _alertRules.Contains(r)) return true;
            if (alert.Service is { } s && _services.Contains(s)) return true;
            if (Options.Labels.Count == 0 || string.IsNullOrEmpty(alert.LabelsJson)) continue;
            var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(alert.LabelsJson) ?? [];
            foreach (var (key, value) in Options.Labels)
                if (labels.TryGetValue(key, out var actual) && string.Equals(actual, value, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The filters the order store may apply for this rule alone.</summary>
    public OrderQuery Narrow(OrderQuery query) => query with
    {
        Channels = Options.Channels,
        Regions = Options.Regions,
        Skus = Options.Skus,
        Statuses = Options.Statuses,
        PaymentMethods = Options.PaymentMethods,
    };

    /// <summary>Null when the rule does not select the order; otherwise what it found.</summary>
    public RuleVerdict? Evaluate(Order order, IReadOnlyDictionary<string, CatalogItem> catalog, DateTimeOffset asOf)
    {
        if (!Passes(_channels, order.Channel) || !Passes(_regions, order.Region) || !Passes(_skus, order.Sku)
            || !Passes(_payments, order.PaymentMethod) || !Passes(_statuses, order.Status)) return null;

        var catalogPrice = catalog.TryGetValue(order.Sku, out var item) ? item.PriceIn(order.Currency) : null;
        decimal? delta = catalogPrice is { } p ? order.UnitPrice - p : null;
        var shortfall = delta is < 0 ? -delta.Value * order.Quantity : 0m;

        switch (Kind)
        {
            case ImpactRuleKind.BelowCatalogPrice:
                if (catalogPrice is not { } price || delta is not { } d) return null;
                var tolerated = Math.Max(price * Options.TolerancePercent / 100m, Options.ToleranceAmount);
                if (-d <= tolerated) return null;
                break;
            case ImpactRuleKind.StuckInStatus:
                if (order.StatusSince is not { } since || asOf - since <= TimeSpan.FromMinutes(Options.StuckMinutes)) return null; // longer than
                break;
        }
        return new RuleVerdict(catalogPrice, delta, MoneyAtRisk == MoneyAtRiskMode.Delta ? shortfall : order.Total);
    }

    private static bool Passes(HashSet<string> allowed, string value) => allowed.Count == 0 || allowed.Contains(value);
}
