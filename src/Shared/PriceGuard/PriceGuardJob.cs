using System.Globalization;
using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Impact.Orders;
using AutoResponder.Intake;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.PriceGuard;

/// <summary>
/// The alerts one SKU's findings of one anomaly and window became, and what the intake did with them.
/// </summary>
public sealed record PriceGuardAlert(string Sku, PriceAnomaly Anomaly, DateTimeOffset WindowStart, int Orders,
    string? IncidentId, string Outcome);

/// <summary>What one run did.</summary>
public sealed record PriceGuardRun(string Outcome, DateTimeOffset? From, DateTimeOffset? CheckedThrough,
    long OrdersChecked, IReadOnlyList<PriceGuardAlert> Alerts)
{
    public const string Ran = "ran", Held = "held", Disabled = "disabled", LeaseLost = "lease-lost";
    /// <summary>True when the run stopped at MaxOrdersPerRun with more orders left.</summary>
    public bool More { get; init; }
}

/// <summary>
/// The scheduled price guard: reads the orders created since its checkpoint (only those: the order source reads the
/// hourly partitions from the checkpoint forward), checks each against the catalog (<see cref="PriceCheck"/>), and
/// files what it finds as alerts (source "price-guard") through the same intake as any monitoring alert — one alert
/// per SKU, anomaly and window, so the normal pipeline opens the incident, counts the impact and notifies.
/// <para>
/// Exactly-once: the run holds a lease on the checkpoint row; after each chunk it first files the chunk's findings,
/// then advances the checkpoint under the row's ETag (which also renews the lease). A chunk always ends on a change of
/// creation time, so the position "checked through T" is exact. A run that crashes or loses the lease before a commit
/// leaves that chunk to the next holder; findings filed twice are recognised by the intake as the same delivery
/// (same alert, same window start) and change nothing.
/// </para>
/// </summary>
public sealed class PriceGuardJob(
    IOrderSource orders,
    PriceGuardCheckpointStore checkpoints,
    AlertIngestor intake,
    IOptions<PriceGuardOptions> options,
    TimeProvider time,
    ILogger<PriceGuardJob> log) : IScheduledJob
{
    public const string Source = "price-guard";
    private readonly string _owner = $"{Environment.MachineName}/{Guid.NewGuid():N}";

    public const string ScheduleSetting = "AutoResponder:PriceGuard:Schedule";

    public string Name => "PriceGuard";
    public JobSchedule Schedule { get; } = new(ScheduleSetting, "0 */1 * * * *"); // every minute

    Task IScheduledJob.RunAsync(CancellationToken cancellationToken) => RunAsync(cancellationToken);

    public async Task<PriceGuardRun> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Enabled) return new PriceGuardRun(PriceGuardRun.Disabled, null, null, 0, []);
        var lease = TimeSpan.FromSeconds(o.LeaseSeconds);
        var upTo = time.GetUtcNow() - TimeSpan.FromSeconds(o.SettleSeconds);
        // The very first run starts at "now": the guard watches new orders, it does not audit history.
        var checkpoint = await checkpoints.TryAcquireAsync(_owner, upTo, lease, ct);
        if (checkpoint is null) return new PriceGuardRun(PriceGuardRun.Held, null, null, 0, []);

        var from = checkpoint.CheckedThrough;
        var check = new PriceCheck(o);
        var alerts = new List<PriceGuardAlert>();
        long total = 0;
        try
        {
            if (upTo <= from)
            {
                await checkpoints.CommitAsync(checkpoint, from, 0, 0, lease, release: true, ct);
                return new PriceGuardRun(PriceGuardRun.Ran, from, from, 0, []);
            }
            var catalog = await orders.ReadCatalogAsync(ct);
            var pending = new Dictionary<(PriceAnomaly, string, DateTimeOffset), List<PriceFinding>>();
            long inChunk = 0;
            DateTimeOffset? last = null;
            var more = false;
            await foreach (var order in orders.ReadOrdersAsync(new OrderQuery(from.AddTicks(1), upTo), ct))
            {
                if (inChunk >= o.ChunkOrders && order.CreatedAt.UtcTicks != last!.Value.UtcTicks)
                {
                    // Everything created up to `last` has been seen: file the findings, then move the checkpoint.
                    var filed = await FileAsync(pending, ct);
                    alerts.AddRange(filed);
                    await checkpoints.CommitAsync(checkpoint, last.Value, inChunk, filed.Count, lease, release: false,
                        ct);
                    inChunk = 0;
                    if (total >= o.MaxOrdersPerRun) { more = true; break; }
                }
                if (check.Check(order, catalog) is { } finding)
                {
                    var key = (finding.Anomaly, order.Sku, WindowStart(order.CreatedAt, o.WindowMinutes));
                    if (!pending.TryGetValue(key, out var list)) pending[key] = list = [];
                    list.Add(finding);
                }
                inChunk++;
                total++;
                last = order.CreatedAt;
            }
            var rest = await FileAsync(pending, ct);
            alerts.AddRange(rest);
            var through = more ? last!.Value : upTo;
            await checkpoints.CommitAsync(checkpoint, through, inChunk, rest.Count, lease, release: true, ct);
            if (alerts.Count > 0)
                log.LogWarning(
                    "Price guard: {Orders} orders checked ({From:O}..{To:O}), {Alerts} finding(s): {Summary}", total,
                    from, through, alerts.Count,
                    string.Join("; ", alerts.Select(a =>
                        $"{a.Sku} {a.Anomaly} ×{a.Orders} → {a.Outcome} {a.IncidentId}")));
            else
                log.LogDebug("Price guard: {Orders} orders checked ({From:O}..{To:O}), nothing found", total, from,
                    through);
            return new PriceGuardRun(PriceGuardRun.Ran, from, through, total, alerts) { More = more };
        }
        catch (PriceGuardLeaseLostException e)
        {
            log.LogWarning("Price guard stopped: {Reason}", e.Message);
            return new PriceGuardRun(PriceGuardRun.LeaseLost, from, checkpoint.CheckedThrough, total, alerts);
        }
    }

    public static DateTimeOffset WindowStart(DateTimeOffset at, int minutes)
    {
        var size = TimeSpan.FromMinutes(minutes).Ticks;
        return new DateTimeOffset(at.UtcTicks - at.UtcTicks % size, TimeSpan.Zero);
    }

    private async Task<List<PriceGuardAlert>> FileAsync(
        Dictionary<(PriceAnomaly Anomaly, string Sku, DateTimeOffset Window), List<PriceFinding>> pending,
        CancellationToken ct)
    {
        var filed = new List<PriceGuardAlert>();
        foreach (var ((anomaly, sku, window), findings) in pending.OrderBy(p => p.Key.Window)
            .ThenBy(p => p.Key.Sku, StringComparer.Ordinal))
        {
            var alert = ToAlert(anomaly, sku, window, findings, options.Value);
            var result = await intake.IngestAsync(alert, ct);
            filed.Add(new PriceGuardAlert(sku, anomaly, window, findings.Count, result.IncidentId, result.Outcome));
        }
        pending.Clear();
        return filed;
    }

    /// <summary>
    /// One alert per SKU and anomaly (its fingerprint) and window (its start): the intake's occurrence marker makes a
    /// second filing of the same SKU, anomaly and window a duplicate.
    /// </summary>
    public static Alert ToAlert(PriceAnomaly anomaly, string sku, DateTimeOffset window,
        IReadOnlyList<PriceFinding> findings, PriceGuardOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        var what = anomaly switch
        {
            PriceAnomaly.BelowCatalog => "paid below catalog price",
            PriceAnomaly.Quantity => "unusual quantity",
            PriceAnomaly.Currency => "currency without a catalog price",
            _ => "not in the catalog",
        };
        var shortfall = findings.Where(f => f.Shortfall > 0).GroupBy(f => f.Order.Currency, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Sum(f => f.Shortfall).ToString("0.00", inv)}").ToList();
        var first = findings.MinBy(f => f.Order.CreatedAt)!;
        var example = first.Order;
        var description = $"{findings.Count} order line(s) of {sku} created from {window:yyyy-MM-dd HH:mm} UTC: {what}. " +
            $"First {example.OrderId} at {example.CreatedAt:HH:mm:ss} UTC paid {example.Currency} " +
            $"{example.UnitPrice.ToString("0.00", inv)} × {example.Quantity}" +
            (first.CatalogPrice is { } p ? $" (catalog {p.ToString("0.00", inv)})" : "") + "." +
            (shortfall.Count > 0 ? $" Shortfall so far: {string.Join(", ", shortfall)}." : "");
        var kind = anomaly switch
        {
            PriceAnomaly.BelowCatalog => "below-catalog",
            PriceAnomaly.Quantity => "quantity",
            PriceAnomaly.Currency => "currency",
            _ => "unknown-sku",
        };
        return new Alert
        {
            Source = Source,
            SourceAlertId = $"{kind}|{sku}|{window.UtcTicks}",
            Fingerprint = $"{Source}|{kind}|{sku}",
            Title = $"Price guard: {sku} {what}",
            Description = description,
            Severity = o.ParsedSeverity,
            Status = AlertStatus.Firing,
            StartsAt = window,
            Service = o.Service,
            Rule = o.Rule,
            Labels = new Dictionary<string, string>
            {
                ["source"] = Source,
                ["sku"] = sku,
                ["anomaly"] = kind,
                ["orders"] = findings.Count.ToString(inv),
                ["firstOrderAt"] = example.CreatedAt.ToString("o", inv),
            },
        };
    }
}
