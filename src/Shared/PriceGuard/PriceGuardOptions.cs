using AutoResponder.Alerts;
using Microsoft.Extensions.Options;

namespace AutoResponder.PriceGuard;

/// <summary>
/// Settings under "AutoResponder:PriceGuard" (environment: AutoResponder__PriceGuard__Name). Validated at start-up.
/// </summary>
public sealed class PriceGuardOptions
{
    public const string Section = "AutoResponder:PriceGuard";

    /// <summary>Run the detector at all (default true; with no orders it reads nothing).</summary>
    public bool Enabled { get; set; } = true;
    // How often both hosts run it: Schedule (PriceGuardJob.Schedule).
    /// <summary>
    /// Orders are read only up to now − this, so an order stored up to this long after its creation time is still
    /// checked. An order stored later than that is not checked by the guard (see docs/playbook.md, "The guarantee").
    /// </summary>
    public int SettleSeconds { get; set; } = 30;
    /// <summary>Checkpoint committed (and lease renewed) after at most this many orders.</summary>
    public int ChunkOrders { get; set; } = 5_000;
    /// <summary>Most orders one run checks; the next run continues from the checkpoint.</summary>
    public int MaxOrdersPerRun { get; set; } = 200_000;
    /// <summary>How long a run holds the checkpoint before another instance may take over.</summary>
    public int LeaseSeconds { get; set; } = 120;
    /// <summary>
    /// Shortfall below catalog tolerated, percent of the catalog price (the larger of this and the amount wins).
    /// </summary>
    public decimal TolerancePercent { get; set; } = 0.5m;
    public decimal ToleranceAmount { get; set; }
    /// <summary>A quantity above this is an anomaly (0 or negative always is).</summary>
    public int MaxQuantity { get; set; } = 50;
    /// <summary>Findings of one SKU and anomaly are one alert per window of this many minutes.</summary>
    public int WindowMinutes { get; set; } = 15;
    /// <summary>
    /// The alert's severity, service and rule: they decide grouping, routing and which impact rules apply.
    /// </summary>
    public string Severity { get; set; } = nameof(Alerts.Severity.Sev2);
    public string Service { get; set; } = "checkout";
    public string Rule { get; set; } = "price-guard";
    /// <summary>Configured promotions: an order they cover may be discounted by up to their percentage.</summary>
    public List<PromotionOptions> Promotions { get; set; } = [];

    public Severity ParsedSeverity => Enum.Parse<Severity>(Severity, ignoreCase: true);
}

/// <summary>
/// A promotion the guard allows for: SKUs (empty = all) in channels (empty = all) may sell up to DiscountPercent below
/// catalog between From and To.
/// </summary>
public sealed class PromotionOptions
{
    public string Name { get; set; } = "";
    public decimal DiscountPercent { get; set; }
    public List<string> Skus { get; set; } = [];
    public List<string> Channels { get; set; } = [];
    public DateTimeOffset? From { get; set; }
    public DateTimeOffset? To { get; set; }
}

internal sealed class PriceGuardOptionsValidator : IValidateOptions<PriceGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, PriceGuardOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{PriceGuardOptions.Section}:{setting} {message}"); }
        Check(o.SettleSeconds is >= 0 and <= 3600, nameof(o.SettleSeconds),
            $"must be between 0 and 3600 (is {o.SettleSeconds}).");
        Check(o.ChunkOrders is >= 100 and <= 100_000, nameof(o.ChunkOrders),
            $"must be between 100 and 100000 (is {o.ChunkOrders}).");
        Check(o.MaxOrdersPerRun >= o.ChunkOrders, nameof(o.MaxOrdersPerRun),
            $"must be at least ChunkOrders ({o.ChunkOrders}) (is {o.MaxOrdersPerRun}).");
        Check(o.LeaseSeconds is >= 15 and <= 3600, nameof(o.LeaseSeconds),
            $"must be between 15 and 3600 (is {o.LeaseSeconds}).");
        Check(o.TolerancePercent is >= 0 and < 100, nameof(o.TolerancePercent),
            $"must be from 0 to below 100 (is {o.TolerancePercent}).");
        Check(o.ToleranceAmount >= 0, nameof(o.ToleranceAmount), $"must not be negative (is {o.ToleranceAmount}).");
        Check(o.MaxQuantity >= 1, nameof(o.MaxQuantity), $"must be at least 1 (is {o.MaxQuantity}).");
        Check(o.WindowMinutes is >= 1 and <= 1440, nameof(o.WindowMinutes),
            $"must be between 1 and 1440 (is {o.WindowMinutes}).");
        Check(Enum.TryParse<Severity>(o.Severity, true, out var s) && Enum.IsDefined(s)
            && !int.TryParse(o.Severity, out _), nameof(o.Severity), $"'{o.Severity}' is not a severity (Sev0..Sev4).");
        Check(!string.IsNullOrWhiteSpace(o.Service), nameof(o.Service),
            "is required (impact rules and grouping use it).");
        Check(!string.IsNullOrWhiteSpace(o.Rule), nameof(o.Rule), "is required.");
        for (var i = 0; i < o.Promotions.Count; i++)
        {
            var p = o.Promotions[i];
            Check(!string.IsNullOrWhiteSpace(p.Name), $"Promotions:{i}:Name", "is required.");
            Check(p.DiscountPercent is > 0 and <= 100, $"Promotions:{i}:DiscountPercent",
                $"must be above 0 and at most 100 (is {p.DiscountPercent}).");
            Check(p.From is null || p.To is null || p.From < p.To, $"Promotions:{i}:To", "must be after From.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
