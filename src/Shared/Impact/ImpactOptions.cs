using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

/// <summary>The kinds of impact rule: which orders a rule selects inside the impact window.</summary>
public enum ImpactRuleKind
{
    /// <summary>Every order in the window, narrowed by the rule's channel/region/SKU/status/payment filters.</summary>
    AllOrders,
    /// <summary>
    /// Orders whose unit price paid is below the catalog price by more than the tolerance (price tampering).
    /// </summary>
    BelowCatalogPrice,
    /// <summary>
    /// Orders in one of the rule's statuses for longer than <see cref="ImpactRuleOptions.StuckMinutes"/>.
    /// </summary>
    StuckInStatus,
}

/// <summary>What a rule counts as money at risk for one order.</summary>
public enum MoneyAtRiskMode
{
    /// <summary>The order total.</summary>
    Total,
    /// <summary>(catalog price − price paid) × quantity; zero when the order paid at least the catalog price.</summary>
    Delta,
}

/// <summary>
/// What a rule's money at risk means, by its kind and <see cref="MoneyAtRiskMode"/>: the underpayment of price rules,
/// the order value of all-orders rules, the amount stuck of stuck-payment rules. Named so in the API and the e-mails.
/// </summary>
public enum MoneyMeasure
{
    /// <summary>
    /// (catalog − paid) × quantity: what customers paid too little (Delta; the default of BelowCatalogPrice).
    /// </summary>
    Underpaid,
    /// <summary>The order total of every affected order (Total; the default of AllOrders).</summary>
    OrderValue,
    /// <summary>The order total of orders stuck in a status (Total; the default of StuckInStatus).</summary>
    AmountStuck,
}

internal static class MoneyMeasures
{
    /// <summary>The measure's name in JSON: "underpaid", "orderValue", "amountStuck".</summary>
    public static string ToApi(this MoneyMeasure m) => m switch
    {
        MoneyMeasure.Underpaid => "underpaid",
        MoneyMeasure.OrderValue => "orderValue",
        _ => "amountStuck",
    };

    /// <summary>
    /// The measure as people read it in e-mails and the console: "Underpaid", "Order value at risk", "Amount stuck".
    /// </summary>
    public static string Label(this MoneyMeasure m) => m switch
    {
        MoneyMeasure.Underpaid => "Underpaid",
        MoneyMeasure.OrderValue => "Order value at risk",
        _ => "Amount stuck",
    };

    public static MoneyMeasure? FromApi(string? text) => text switch
    {
        "underpaid" => MoneyMeasure.Underpaid,
        "orderValue" => MoneyMeasure.OrderValue,
        "amountStuck" => MoneyMeasure.AmountStuck,
        _ => null,
    };
}

/// <summary>
/// Settings under "AutoResponder:Impact" (environment: AutoResponder__Impact__Name). Validated at start-up.
/// </summary>
public sealed class ImpactOptions
{
    public const string Section = "AutoResponder:Impact";

    /// <summary>The impact window starts this many minutes before the incident's first alert.</summary>
    public int LookbackMinutes { get; set; } = 15;
    /// <summary>
    /// A window longer than this is cut at its start (protects the order store from a months-long read).
    /// </summary>
    public int MaxWindowHours { get; set; } = 24 * 14;
    /// <summary>Take a snapshot on every status update too (opened, resolved and manual refreshes always do).</summary>
    public bool SnapshotOnStatusUpdate { get; set; }
    /// <summary>How long a running snapshot holds the incident's impact lease between renewals.</summary>
    public int LeaseSeconds { get; set; } = 120;
    /// <summary>Blob container for the exports (never public). Blobs are named {incidentId}/{snapshotId}.csv.</summary>
    public string ExportContainer { get; set; } = "exports";
    /// <summary>
    /// Optional connection string of the storage account that holds the Orders and Catalog tables.
    /// Unset: the AutoResponder storage account (AzureWebJobsStorage).
    /// </summary>
    public string? OrderStorage { get; set; }
    public string OrdersTable { get; set; } = "Orders";
    public string CatalogTable { get; set; } = "Catalog";
    public List<ImpactRuleOptions> Rules { get; set; } = [];
}

/// <summary>
/// One rule: which incidents it applies to (matchers on what an alert says) and which orders it selects (kind +
/// filters). A rule applies to an alert when <see cref="Services"/> (if any) lists the alert's service and — if the
/// rule declares alert matchers (<see cref="AlertRules"/>, <see cref="TitlePatterns"/>, <see cref="Labels"/>,
/// <see cref="Sources"/>) — at least one of them fits the alert. Most specific wins: see
/// <see cref="ImpactRuleSelection"/>.
/// </summary>
public sealed class ImpactRuleOptions
{
    public string Name { get; set; } = "";
    public ImpactRuleKind Kind { get; set; } = ImpactRuleKind.AllOrders;

    // Alert matchers (any one fits): the alert's rule name, its title (.NET regular expressions, case-insensitive),
    // a label (name=value), its source ("price-guard", "alertmanager", "azure-monitor", "grafana", "generic").
    public List<string> AlertRules { get; set; } = [];
    public List<string> TitlePatterns { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];
    public List<string> Sources { get; set; } = [];
    /// <summary>
    /// The alert's service must be one of these (with alert matchers: as well). A rule with only services applies to
    /// every alert of them.
    /// </summary>
    public List<string> Services { get; set; } = [];
    /// <summary>
    /// A catch-all: applies to an alert only when no more specific rule does. No other matcher may be set with it.
    /// </summary>
    public bool MatchAll { get; set; }

    // Which orders (empty = any).
    public List<string> Channels { get; set; } = [];
    public List<string> Regions { get; set; } = [];
    public List<string> Skus { get; set; } = [];
    public List<string> PaymentMethods { get; set; } = [];
    public List<string> Statuses { get; set; } = [];

    /// <summary>BelowCatalogPrice: a shortfall up to this percentage of the catalog price is tolerated.</summary>
    public decimal TolerancePercent { get; set; } = 0.5m;
    /// <summary>BelowCatalogPrice: a shortfall up to this absolute amount (order currency) is tolerated.</summary>
    public decimal ToleranceAmount { get; set; }
    /// <summary>StuckInStatus: minutes an order may sit in one of <see cref="Statuses"/> before it counts.</summary>
    public int StuckMinutes { get; set; }
    /// <summary>Default: Delta for BelowCatalogPrice, Total otherwise.</summary>
    public MoneyAtRiskMode? MoneyAtRisk { get; set; }
}

/// <summary>Start-up validation; every message names the setting as it is spelled in configuration.</summary>
internal sealed class ImpactOptionsValidator : IValidateOptions<ImpactOptions>
{
    public ValidateOptionsResult Validate(string? name, ImpactOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{ImpactOptions.Section}:{setting} {message}"); }

        Check(o.LookbackMinutes is >= 0 and <= 24 * 60, nameof(o.LookbackMinutes),
            $"must be between 0 and 1440 (is {o.LookbackMinutes}).");
        Check(o.MaxWindowHours is >= 1 and <= 24 * 92, nameof(o.MaxWindowHours),
            $"must be between 1 and 2208 (is {o.MaxWindowHours}).");
        Check(o.LeaseSeconds is >= 15 and <= 3600, nameof(o.LeaseSeconds),
            $"must be between 15 and 3600 (is {o.LeaseSeconds}).");
        Check(IsContainerName(o.ExportContainer), nameof(o.ExportContainer),
            $"must be 3-40 lower-case letters, digits or hyphens (is '{o.ExportContainer}').");
        Check(IsTableName(o.OrdersTable), nameof(o.OrdersTable),
            $"must be 3-40 letters and digits, starting with a letter (is '{o.OrdersTable}').");
        Check(IsTableName(o.CatalogTable), nameof(o.CatalogTable),
            $"must be 3-40 letters and digits, starting with a letter (is '{o.CatalogTable}').");

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < o.Rules.Count; i++)
        {
            var r = o.Rules[i];
            var label = string.IsNullOrWhiteSpace(r.Name) ? $"Rules:{i}" : $"Rules:{i} ('{r.Name}')";
            void RuleCheck(bool ok, string setting, string message) { if (!ok) errors.Add($"{ImpactOptions.Section}:Rules:{i}:{setting} {message} [rule {label}]"); }

            RuleCheck(!string.IsNullOrWhiteSpace(r.Name), "Name", "is required.");
            RuleCheck(string.IsNullOrWhiteSpace(r.Name) || names.Add(r.Name), "Name",
                $"'{r.Name}' is used by another rule.");
            RuleCheck(Enum.IsDefined(r.Kind), "Kind", "must be AllOrders, BelowCatalogPrice or StuckInStatus.");
            var matchers = r.AlertRules.Count + r.TitlePatterns.Count + r.Labels.Count + r.Sources.Count
                + r.Services.Count;
            RuleCheck(r.MatchAll || matchers > 0, "AlertRules",
                "is empty, and so are TitlePatterns, Labels, Sources and Services: say which alerts the rule applies " +
                "to, or set MatchAll to true.");
            RuleCheck(!r.MatchAll || matchers == 0, "MatchAll",
                "is true, so AlertRules, TitlePatterns, Labels, Sources and Services must be empty (a catch-all " +
                "matches every alert; remove MatchAll to narrow it).");
            for (var j = 0; j < r.TitlePatterns.Count; j++)
                if (!string.IsNullOrWhiteSpace(r.TitlePatterns[j])
                    && ImpactRule.PatternError(r.TitlePatterns[j]) is { } patternError)
                    RuleCheck(false, $"TitlePatterns:{j}", $"is not a valid regular expression: {patternError}");
            RuleCheck(r.TolerancePercent is >= 0 and < 100, "TolerancePercent",
                $"must be from 0 to below 100 (is {r.TolerancePercent}).");
            RuleCheck(r.ToleranceAmount >= 0, "ToleranceAmount", $"must not be negative (is {r.ToleranceAmount}).");
            RuleCheck(r.MoneyAtRisk is null || Enum.IsDefined(r.MoneyAtRisk.Value), "MoneyAtRisk",
                "must be Total or Delta.");
            if (r.Kind == ImpactRuleKind.StuckInStatus)
            {
                RuleCheck(r.Statuses.Count > 0, "Statuses", "must list at least one status for a StuckInStatus rule.");
                RuleCheck(r.StuckMinutes is >= 1 and <= 30 * 24 * 60, "StuckMinutes",
                    $"must be between 1 and 43200 for a StuckInStatus rule (is {r.StuckMinutes}).");
            }
            foreach (var (key, value) in r.Labels)
                RuleCheck(!string.IsNullOrWhiteSpace(key) && !string.IsNullOrWhiteSpace(value), $"Labels:{key}",
                    "must name a label and a value.");
            foreach (var (list, setting) in new[] { (r.AlertRules, "AlertRules"), (r.TitlePatterns, "TitlePatterns"), (r.Sources, "Sources"), (r.Services, "Services"), (r.Channels, "Channels"), (r.Regions, "Regions"),
                         (r.Skus, "Skus"), (r.PaymentMethods, "PaymentMethods"), (r.Statuses, "Statuses") })
                for (var j = 0; j < list.Count; j++)
                    RuleCheck(!string.IsNullOrWhiteSpace(list[j]), $"{setting}:{j}", "must not be blank.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsContainerName(string s) =>
        s is { Length: >= 3 and <= 40 } && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && char.IsAsciiLetterOrDigit(s[0]) && !s.Contains("--");

    private static bool IsTableName(string s)
        => s is { Length: >= 3 and <= 40 } && s.All(char.IsAsciiLetterOrDigit) && char.IsAsciiLetter(s[0]);
}
