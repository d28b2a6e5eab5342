using System.Text.Json;
using System.Text.RegularExpressions;
using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;

namespace AutoResponder.Impact;

/// <summary>
/// What a rule found about one order: the catalog price it compared with (if any) and the money at risk.
/// </summary>
public readonly record struct RuleVerdict(decimal? CatalogPrice, decimal? PriceDelta, decimal MoneyAtRisk);

/// <summary>What an impact rule's matchers read of one alert.</summary>
public sealed record AlertFacts(string Title, string? Service, string? Rule, string? Source,
    IReadOnlyDictionary<string, string> Labels)
{
    public static AlertFacts Of(AlertRecord alert) => new(alert.Title, alert.Service, alert.Rule, alert.Source,
        string.IsNullOrEmpty(alert.LabelsJson)
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize<Dictionary<string, string>>(alert.LabelsJson) ?? []);

    public static AlertFacts Of(IncidentRecord incident)
        => new(incident.Title, incident.Service, incident.Rule, incident.Source, new Dictionary<string, string>());
}

/// <summary>
/// How specifically a rule matched an alert: alert matchers beat a service-only rule, which beats a catch-all.
/// </summary>
public enum MatchTier { CatchAll = 0, Service = 1, Alert = 2 }

/// <summary>
/// A rule fits an alert: how specifically (<see cref="Tier"/>, then <see cref="Facts"/> — how many things it matched)
/// and why.
/// </summary>
public sealed record RuleMatch(MatchTier Tier, int Facts, string Why);

/// <summary>
/// A configured impact rule, compiled: does it fit an alert (by rule name, title, labels, source, service), and does it
/// select a given order (by kind and filters)? Pure; the exporter calls <see cref="Evaluate"/> once per order.
/// </summary>
public sealed class ImpactRule
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);
    private readonly HashSet<string> _alertRules, _sources, _services, _channels, _regions, _skus, _payments, _statuses;
    private readonly Regex[] _titles;

    public ImpactRule(ImpactRuleOptions options, int index = 0)
    {
        Options = options;
        Index = index;
        _alertRules = Set(options.AlertRules);
        _sources = Set(options.Sources);
        _services = Set(options.Services);
        _titles = options.TitlePatterns.Select(Compile).ToArray();
        _channels = Set(options.Channels);
        _regions = Set(options.Regions);
        _skus = new HashSet<string>(options.Skus.Select(s => s.Trim()), StringComparer.Ordinal);
        _payments = Set(options.PaymentMethods);
        _statuses = Set(options.Statuses);
        MoneyAtRisk = options.MoneyAtRisk
            ?? (options.Kind == ImpactRuleKind.BelowCatalogPrice ? MoneyAtRiskMode.Delta : MoneyAtRiskMode.Total);
        Measure = MoneyAtRisk == MoneyAtRiskMode.Delta ? MoneyMeasure.Underpaid
            : options.Kind == ImpactRuleKind.StuckInStatus ? MoneyMeasure.AmountStuck : MoneyMeasure.OrderValue;
    }

    public ImpactRuleOptions Options { get; }
    /// <summary>Its position in configuration (ties between equally specific rules go to the earlier one).</summary>
    public int Index { get; }
    public string Name => Options.Name;
    public ImpactRuleKind Kind => Options.Kind;
    public MoneyAtRiskMode MoneyAtRisk { get; }
    /// <summary>What its money at risk means.</summary>
    public MoneyMeasure Measure { get; }

    private bool HasAlertMatchers => _alertRules.Count + _sources.Count + _titles.Length + Options.Labels.Count > 0;

    private static HashSet<string> Set(IEnumerable<string> values)
        => new(values.Select(v => v.Trim()), StringComparer.OrdinalIgnoreCase);

    private static Regex Compile(string pattern)
        => new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, PatternTimeout);

    /// <summary>Why a title pattern does not compile (null when it does): the start-up validation's message.</summary>
    public static string? PatternError(string pattern)
    {
        try { _ = Compile(pattern); return null; }
        catch (ArgumentException e) { return e.Message; }
    }

    /// <summary>
    /// Null when the rule does not fit the alert. A catch-all fits every alert; otherwise the alert's service must be
    /// listed (when services are) and one alert matcher must fit (when any is declared). <see cref="RuleMatch.Why"/>
    /// names what matched, e.g. "title ~ /below catalog/, service = checkout".
    /// </summary>
    public RuleMatch? Match(AlertFacts alert)
    {
        if (Options.MatchAll) return new RuleMatch(MatchTier.CatchAll, 0, "catch-all (MatchAll)");
        var why = new List<string>();
        if (HasAlertMatchers)
        {
            if (alert.Rule is { } rule && _alertRules.Contains(rule)) why.Add($"rule = {rule}");
            foreach (var title in _titles)
                if (Fits(title, alert.Title)) { why.Add($"title ~ /{title}/"); break; }
            foreach (var (key, value) in Options.Labels)
                if (alert.Labels.TryGetValue(key, out var actual) && string.Equals(actual, value, StringComparison.OrdinalIgnoreCase)) { why.Add($"label {key} = {actual}"); break; }
            if (!string.IsNullOrEmpty(alert.Source) && _sources.Contains(alert.Source))
                why.Add($"source = {alert.Source}");
            if (why.Count == 0) return null;
        }
        if (_services.Count > 0)
        {
            if (alert.Service is not { } service || !_services.Contains(service)) return null;
            why.Add($"service = {service}");
        }
        return new RuleMatch(HasAlertMatchers ? MatchTier.Alert : MatchTier.Service, why.Count, string.Join(", ", why));
    }

    private static bool Fits(Regex pattern, string text)
    {
        try { return pattern.IsMatch(text); }
        catch (RegexMatchTimeoutException) { return false; }
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
                // longer than
                if (order.StatusSince is not { } since || asOf - since <= TimeSpan.FromMinutes(Options.StuckMinutes))
                    return null;
                break;
        }
        return new RuleVerdict(catalogPrice, delta, MoneyAtRisk == MoneyAtRiskMode.Delta ? shortfall : order.Total);
    }

    private static bool Passes(HashSet<string> allowed, string value) => allowed.Count == 0 || allowed.Contains(value);
}
