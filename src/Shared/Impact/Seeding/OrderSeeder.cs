using System.Diagnostics;
using AutoResponder.Impact.Orders;
using Azure.Data.Tables;

namespace AutoResponder.Impact.Seeding;

/// <summary>An incident to inject into a seeded store.</summary>
public enum SeedIncident
{
    None,
    /// <summary>In the incident window a share of orders pays far below catalog price.</summary>
    PriceTampering,
    /// <summary>In the incident window a share of orders sticks in "payment_pending".</summary>
    StuckPayments,
}

/// <summary>What to seed. Times are UTC; orders are spread evenly (with jitter) from End − Days to End.</summary>
public sealed record OrderSeedSpec
{
    public int Orders { get; init; } = 10_000;
    public double Days { get; init; } = 7;
    public DateTimeOffset End { get; init; } = DateTimeOffset.UtcNow;
    public int Skus { get; init; } = 200;
    public int Customers { get; init; } = 20_000;
    public int RandomSeed { get; init; } = 42;
    public SeedIncident Incident { get; init; } = SeedIncident.None;
    /// <summary>Default: two hours before End.</summary>
    public DateTimeOffset? IncidentStart { get; init; }
    public int IncidentMinutes { get; init; } = 60;
    /// <summary>Share of the orders inside the incident window that it affects.</summary>
    public double IncidentRate { get; init; } = 0.3;
    /// <summary>Order-id prefix, so several seeds can share a table.</summary>
    public string IdPrefix { get; init; } = "o";
    /// <summary>Partitions written at once.</summary>
    public int Parallelism { get; init; } = 8;

    public DateTimeOffset Start => End.AddDays(-Days);
    public DateTimeOffset IncidentFrom => IncidentStart ?? End.AddHours(-2);
    public DateTimeOffset IncidentTo => IncidentFrom.AddMinutes(IncidentMinutes);
}

public sealed record SeedResult(long Orders, int CatalogItems, long Affected, DateTimeOffset From, DateTimeOffset To,
    TimeSpan Elapsed)
{
    public double OrdersPerSecond => Orders / Math.Max(Elapsed.TotalSeconds, 0.001);
    /// <summary>
    /// What an alert that starts with the injected incident sees (its impact window, from
    /// <see cref="AlertWindow.From"/>).
    /// </summary>
    public AlertWindow? IncidentAlert { get; init; }
}

/// <summary>
/// The orders an incident's impact window holds when its first alert starts with the injected incident (window from
/// the incident's start minus the default lookback to the newest order): all of them (what an all-orders rule
/// selects), the affected ones (what the matching rule selects), and the affected ones' money at risk per currency —
/// underpaid for price tampering, amount stuck for stuck payments.
/// </summary>
public sealed record AlertWindow(DateTimeOffset From, long Orders, long Affected,
    IReadOnlyDictionary<string, decimal> MoneyAtRisk);

/// <summary>
/// Generates a realistic order store — a catalog in EUR/USD/GBP, customers, channels, regions, payment methods and
/// statuses — with an optional injected incident, and writes it with entity-group batches of 100 rows per
/// hourly partition, several partitions in parallel. Deterministic for a given <see cref="OrderSeedSpec.RandomSeed"/>.
/// Used by `autoresponder seed orders`, the tests and `autoresponder bench export`.
/// </summary>
public static class OrderSeeder
{
    public const int BatchSize = 100;
    private static readonly (string Region, string Currency, decimal Rate)[] Regions =
        [("eu-west", "EUR", 1m), ("us-east", "USD", 1.08m), ("uk-south", "GBP", 0.86m)];
    private static readonly string[] Channels = ["web", "app", "marketplace"];
    private static readonly string[] Payments = ["card", "paypal", "klarna", "applepay"];
    private static readonly string[] Adjectives =
        ["Classic", "Eco", "Urban", "Trail", "Studio", "Nordic", "Retro", "Pro"];
    private static readonly string[] Nouns =
        ["Sneaker", "Backpack", "Hoodie", "Bottle", "Lamp", "Headphones", "Jacket", "Mug", "Watch", "Desk"];

    public static IReadOnlyList<CatalogItem> Catalog(int skus, int randomSeed)
    {
        var random = new Random(randomSeed);
        var items = new List<CatalogItem>(skus);
        for (var i = 1; i <= skus; i++)
        {
            var eur = Math.Round((decimal)(5 + random.NextDouble() * 295), 2);
            var prices = Regions.ToDictionary(r => r.Currency, r => Math.Round(eur * r.Rate, 2));
            items.Add(new CatalogItem($"SKU-{i:D5}",
                $"{Adjectives[random.Next(Adjectives.Length)]} {Nouns[random.Next(Nouns.Length)]}", prices));
        }
        return items;
    }

    /// <summary>The orders of a spec, oldest first, generated lazily (a million orders never sit in memory).</summary>
    public static IEnumerable<(Order Order, bool Affected)> Generate(OrderSeedSpec spec,
        IReadOnlyList<CatalogItem> catalog)
    {
        var random = new Random(spec.RandomSeed + 1);
        var span = (spec.End - spec.Start).Ticks;
        var step = span / Math.Max(1, spec.Orders);
        for (var i = 0; i < spec.Orders; i++)
        {
            var created = spec.Start.AddTicks(step * i + (long)(random.NextDouble() * step));
            var item = catalog[random.Next(catalog.Count)];
            var (region, currency, _) = Regions[random.Next(Regions.Length)];
            var quantity = random.Next(10) < 8 ? 1 : random.Next(2, 5);
            var price = item.Prices[currency];
            // rounding noise well inside the default tolerance
            if (random.Next(50) == 0) price = Math.Round(price * 0.998m, 2);
            var status = created > spec.End.AddHours(-1) ? "paid" : created > spec.End.AddDays(-1)
                ? "shipped" : "delivered";
            var statusSince = created.AddMinutes(status == "paid" ? 1 : status == "shipped" ? 180 : 2880);
            if (statusSince > spec.End) statusSince = spec.End;

            var affected = false;
            if (spec.Incident != SeedIncident.None && created >= spec.IncidentFrom && created <= spec.IncidentTo
                && random.NextDouble() < spec.IncidentRate)
            {
                affected = true;
                if (spec.Incident == SeedIncident.PriceTampering)
                    price = Math.Max(0.01m, Math.Round(price * (decimal)(0.01 + random.NextDouble() * 0.5), 2));
                else { status = "payment_pending"; statusSince = created; }
            }
            var customer = random.Next(1, spec.Customers + 1);
            yield return (new Order
            {
                OrderId = $"{spec.IdPrefix}{i + 1:D9}",
                CreatedAt = created,
                CustomerId = $"c{customer:D7}",
                CustomerEmail = $"customer{customer}@example.com",
                Sku = item.Sku,
                Quantity = quantity,
                UnitPrice = price,
                Currency = currency,
                Total = price * quantity,
                Status = status,
                StatusSince = statusSince,
                Channel = Channels[random.Next(Channels.Length)],
                Region = region,
                PaymentMethod = Payments[random.Next(Payments.Length)],
            }, affected);
        }
    }

    /// <summary>
    /// Seeds catalog and orders. <paramref name="progress"/> gets the number of orders written so far.
    /// </summary>
    public static async Task<SeedResult> SeedAsync(TableOrderSource target, OrderSeedSpec spec, Action<long>? progress,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await target.Orders.CreateIfNotExistsAsync(ct);
        await target.Catalog.CreateIfNotExistsAsync(ct);
        var catalog = Catalog(spec.Skus, spec.RandomSeed);
        await WriteCatalogAsync(target.Catalog, catalog, ct);
        long affected = 0, inWindow = 0, affectedInWindow = 0;
        var windowFrom = spec.IncidentFrom.AddMinutes(-new ImpactOptions().LookbackMinutes);
        var prices = catalog.ToDictionary(c => c.Sku, StringComparer.Ordinal);
        var money = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var written = await WriteOrdersAsync(target.Orders, Generate(spec, catalog).Select(o =>
        {
            if (o.Affected) affected++;
            if (spec.Incident != SeedIncident.None && o.Order.CreatedAt >= windowFrom)
            {
                inWindow++;
                if (o.Affected)
                {
                    affectedInWindow++;
                    var order = o.Order;
                    money[order.Currency] = money.GetValueOrDefault(order.Currency)
                        + (spec.Incident == SeedIncident.PriceTampering
                        ? (prices[order.Sku].Prices[order.Currency] - order.UnitPrice) * order.Quantity
                        : order.Total);
                }
            }
            return o.Order;
        }), spec.Parallelism, progress, ct);
        return new SeedResult(written, catalog.Count, affected, spec.Start, spec.End, clock.Elapsed)
        {
            IncidentAlert = spec.Incident == SeedIncident.None
                ? null : new AlertWindow(windowFrom, inWindow, affectedInWindow, money),
        };
    }

    public static async Task WriteCatalogAsync(TableClient table, IEnumerable<CatalogItem> items, CancellationToken ct)
    {
        foreach (var chunk in items.Chunk(BatchSize))
            await table.SubmitTransactionAsync(chunk.Select(i =>
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, CatalogEntity.From(i))), ct);
    }

    /// <summary>
    /// Upserts orders in batches of up to 100 rows of one partition, up to <paramref name="parallelism"/> batches in
    /// flight. Orders should come roughly in time order (they are grouped by hour as they arrive).
    /// </summary>
    public static async Task<long> WriteOrdersAsync(TableClient table, IEnumerable<Order> orders, int parallelism,
        Action<long>? progress, CancellationToken ct)
    {
        long written = 0;
        var inFlight = new List<Task>();
        var pending = new Dictionary<string, List<TableTransactionAction>>();

        async Task Submit(List<TableTransactionAction> batch)
        {
            while (inFlight.Count >= parallelism)
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                await done;
            }
            inFlight.Add(Task.Run(async () =>
            {
                await table.SubmitTransactionAsync(batch, ct);
                var total = Interlocked.Add(ref written, batch.Count); // counted even without a progress callback
                progress?.Invoke(total);
            }, ct));
        }

        foreach (var order in orders)
        {
            var entity = OrderEntity.From(order);
            if (!pending.TryGetValue(entity.PartitionKey, out var batch))
                pending[entity.PartitionKey] = batch = new List<TableTransactionAction>(BatchSize);
            batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
            if (batch.Count == BatchSize)
            {
                pending.Remove(entity.PartitionKey);
                await Submit(batch);
            }
            if (pending.Count > 4) // hours left behind will get no more orders: flush them
                foreach (var key in pending.Keys.Order(StringComparer.Ordinal).Take(pending.Count - 4).ToArray())
                {
                    var rest = pending[key];
                    pending.Remove(key);
                    await Submit(rest);
                }
        }
        foreach (var rest in pending.Values) await Submit(rest);
        await Task.WhenAll(inFlight);
        return written;
    }
}
