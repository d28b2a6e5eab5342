using System.Diagnostics;
using AutoResponder.Cli.Drill;
using AutoResponder.Cli.Seed;
using AutoResponder.Composition;
using AutoResponder.Impact.Orders;
using AutoResponder.Impact.Seeding;
using AutoResponder.Intake;
using AutoResponder.PriceGuard;
using AutoResponder.Storage;
using Azure.Data.Tables;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// `autoresponder bench price-guard`: the price guard over a history of orders plus new orders, run every simulated
/// minute as in production, against a raw read of the same partitions in the same run; and the detection delay from the
/// first tampered order to the incident. Runs at two history sizes to show that the guard's work does not depend on
/// history (it reads from its checkpoint forward).
/// </summary>
internal static class PriceGuardBenchmark
{
    private static readonly DateTimeOffset HistoryEnd = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(int[] histories, int newOrders, int newMinutes, bool seed, string prefix,
        TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"price-guard benchmark: history {string.Join(" and ", histories.Select(h => h.ToString("N0")))} orders (7 days), then {newOrders:N0} new orders over {newMinutes} minutes " +
                         $"(from minute {newMinutes / 2}, about 1 % of them buy one SKU at a fifth of its price: the " +
                         $"seed incident); the guard runs every simulated minute with a 30 s settle delay; " +
                         $"{Environment.ProcessorCount} cores");
        var failures = 0;
        var results = new List<(int History, double GuardRate, double RawRate, TimeSpan Delay, TimeSpan Processing)>();
        foreach (var history in histories)
        {
            var r = await RunOneAsync(history, newOrders, newMinutes, seed, $"{prefix}{history}", output, ct);
            if (r is null) { failures++; continue; }
            results.Add((history, r.Value.GuardRate, r.Value.RawRate, r.Value.Delay, r.Value.Processing));
        }
        output.WriteLine();
        output.WriteLine("| history | guard orders/s | raw read orders/s | ratio | detection delay (first tampered " +
            "order → incident) | of which processing |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in results)
            output.WriteLine($"| {r.History:N0} | {r.GuardRate:N0} | {r.RawRate:N0} | {r.GuardRate / r.RawRate:F2} | " +
                $"{r.Delay.TotalSeconds:F1} s | {r.Processing.TotalMilliseconds:N0} ms |");
        return failures == 0 && results.All(r => r.GuardRate / r.RawRate >= 0.7) ? 0 : 1;
    }

    private static async Task<(double GuardRate, double RawRate, TimeSpan Delay, TimeSpan Processing)?> RunOneAsync(
        int history, int newOrders, int newMinutes, bool seed, string prefix, TextWriter output, CancellationToken ct)
    {
        var clock = new DrillClock(HistoryEnd);
        var baseConfiguration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var configuration = new ConfigurationBuilder().AddConfiguration(baseConfiguration).AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StorageClients.PrefixSetting] = prefix,
            ["AutoResponder:Graph:Mode"] = "file",
            ["AutoResponder:Graph:OutboxFolder"] = Path.Combine(Path.GetTempPath(), "autoresponder-bench-graph"),
            ["AutoResponder:Teams:Enabled"] = "false",
            ["AutoResponder:StatusEmails:Enabled"] = "false",
            ["AutoResponder:Reminders:Enabled"] = "false",
            ["AutoResponder:PriceGuard:MaxOrdersPerRun"] = "1000000",
        }).Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        ServiceProvider Build()
        {
            var services = new ServiceCollection();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Error));
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<IConfiguration>(configuration);
            services.AddAutoResponder(configuration);
            return services.BuildServiceProvider();
        }
        await using var provider = Build();
        var storage = provider.GetRequiredService<StorageClients>();
        await provider.GetRequiredService<StorageSetup>().EnsureCreatedAsync(ct);
        var source = (TableOrderSource)provider.GetRequiredService<IOrderSource>();
        var catalog = OrderSeeder.Catalog(200, 42);

        output.WriteLine();
        output.WriteLine($"== history {history:N0} orders in {source.Orders.Name}");
        var newFrom = HistoryEnd.AddSeconds(1);
        var fresh = GenerateNew(catalog, newOrders, newFrom, newMinutes, out var firstTampered);
        if (seed && !await HasRowsAsync(source.Orders, HistoryEnd.AddMinutes(-30), ct))
            await SeedCommands.SeedAsync(source, new OrderSeedSpec { Orders = history, Days = 7, End = HistoryEnd, Customers = Math.Max(1000, history / 5), Parallelism = 16 }, output, ct);
        else output.WriteLine("History: reusing the orders already seeded under this prefix.");
        if (!await HasRowsAsync(source.Orders, newFrom.AddMinutes(1), ct))
        {
            await OrderSeeder.WriteCatalogAsync(source.Catalog, catalog, ct);
            await OrderSeeder.WriteOrdersAsync(source.Orders, fresh, 16, null, ct);
        }
        output.WriteLine($"new orders: {fresh.Count:N0} from {newFrom:HH:mm:ss}, {fresh.Count(o => o.UnitPrice < catalog[0].Prices["EUR"] / 2 && o.Sku == catalog[0].Sku):N0} tampered (SKU {catalog[0].Sku}), the first at {firstTampered:HH:mm:ss.fff}");

        // The guard's checkpoint at the end of history, as if it had been running all along; earlier benchmark state
        // removed.
        var checkpoints = provider.GetRequiredService<PriceGuardCheckpointStore>();
        try { await checkpoints.Table.DeleteEntityAsync(PriceGuardCheckpointRow.Partition, PriceGuardCheckpointRow.Key, cancellationToken: ct); } catch (Azure.RequestFailedException) { }
        await storage.IncidentTable.DeleteAsync(ct); await storage.IncidentIndex.DeleteAsync(ct);
        await WaitRecreateAsync(storage.IncidentTable, ct); await WaitRecreateAsync(storage.IncidentIndex, ct);
        var row = (await checkpoints.TryAcquireAsync("bench", HistoryEnd, TimeSpan.FromMinutes(1), ct))!;
        await checkpoints.CommitAsync(row, HistoryEnd, 0, 0, TimeSpan.FromMinutes(1), release: true, ct);

        var query = new OrderQuery(newFrom, newFrom.AddMinutes(newMinutes));
        var raw1 = await RawReadAsync(source.Orders, query, ct);

        var guard = provider.GetRequiredService<PriceGuardJob>();

        // Throughput: the guard catching up on all new orders in one run (the same partitions the raw read reads).
        clock.Advance(TimeSpan.FromMinutes(newMinutes + 1));
        var catchUpClock = Stopwatch.StartNew();
        var catchUp = await guard.RunAsync(ct);
        catchUpClock.Stop();
        var raw2 = await RawReadAsync(source.Orders, query, ct);
        var rawRate = (raw1.Rows + raw2.Rows) / (raw1.Seconds + raw2.Seconds);
        var guardRate = catchUp.OrdersChecked / catchUpClock.Elapsed.TotalSeconds;
        output.WriteLine($"raw read of the new orders' partitions (sequential SDK query), before and after: " +
            $"{raw1.Rows:N0} rows in {raw1.Seconds:F2} s and {raw2.Seconds:F2} s = {rawRate:N0} rows/s");
        output.WriteLine($"price guard catching up in one run: {catchUp.OrdersChecked:N0} orders checked in " +
            $"{catchUpClock.Elapsed.TotalSeconds:F2} s = {guardRate:N0} orders/s " +
                         $"(incl. catalog, lease, checkpoint and filing {catchUp.Alerts.Count} alert(s)); ratio " +
                         $"{guardRate / rawRate:F2} (goal >= 0.7)");

        // Detection delay: reset the checkpoint and the incidents, then run once a simulated minute as in production.
        await checkpoints.Table.DeleteEntityAsync(PriceGuardCheckpointRow.Partition, PriceGuardCheckpointRow.Key,
            cancellationToken: ct);
        await storage.IncidentTable.DeleteAsync(ct); await storage.IncidentIndex.DeleteAsync(ct);
        await WaitRecreateAsync(storage.IncidentTable, ct); await WaitRecreateAsync(storage.IncidentIndex, ct);
        clock.Set(HistoryEnd);
        await using var second = Build(); // a fresh process: nothing cached about the first phase's incident
        checkpoints = second.GetRequiredService<PriceGuardCheckpointStore>();
        guard = second.GetRequiredService<PriceGuardJob>();
        row = (await checkpoints.TryAcquireAsync("bench", HistoryEnd, TimeSpan.FromMinutes(1), ct))!;
        await checkpoints.CommitAsync(row, HistoryEnd, 0, 0, TimeSpan.FromMinutes(1), release: true, ct);
        long checkedOrders = 0;
        var total = TimeSpan.Zero;
        TimeSpan? delay = null, processing = null;
        for (var minute = 1; minute <= newMinutes + 1; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            var watch = Stopwatch.StartNew();
            var run = await guard.RunAsync(ct);
            watch.Stop();
            total += watch.Elapsed;
            checkedOrders += run.OrdersChecked;
            if (delay is null && run.Alerts.Any(a => a.Outcome == IngestOutcomes.Opened))
            {
                processing = watch.Elapsed;
                // the tick that saw it, plus the run that filed it
                delay = clock.GetUtcNow() - firstTampered + watch.Elapsed;
            }
        }
        clock.Advance(TimeSpan.FromMinutes(1));
        var last = await guard.RunAsync(ct); // settle tail
        checkedOrders += last.OrdersChecked;
        output.WriteLine($"price guard once a simulated minute: {checkedOrders:N0} orders checked in {newMinutes + 2} runs, {total.TotalSeconds:F2} s of work ({checkedOrders / total.TotalSeconds:N0} orders/s including per-run overhead)");
        output.WriteLine(delay is { } d
            ? $"detection delay: {d.TotalSeconds:F1} s from the first tampered order to the incident (schedule 60 s " +
                $"+ settle 30 s bound it; the filing run took {processing!.Value.TotalMilliseconds:N0} ms)"
            : "detection: NO incident was opened");
        if (checkedOrders != newOrders || catchUp.OrdersChecked != newOrders)
            output.WriteLine(
                $"MISMATCH: {catchUp.OrdersChecked:N0} / {checkedOrders:N0} checked, {newOrders:N0} written");
        return delay is null || checkedOrders != newOrders || catchUp.OrdersChecked != newOrders
            ? null : (guardRate, rawRate, delay.Value, processing!.Value);
    }

    private static async Task<bool> HasRowsAsync(TableClient orders, DateTimeOffset hour, CancellationToken ct)
    {
        try
        {
            var bucket = OrderEntity.Bucket(hour);
            await foreach (var _ in orders.QueryAsync<TableEntity>($"PartitionKey eq '{bucket}'", 1, ["RowKey"], ct))
                return true;
        }
        catch (Azure.RequestFailedException) { }
        return false;
    }

    private static async Task WaitRecreateAsync(TableClient table, CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            try { await table.CreateIfNotExistsAsync(ct); return; }
            // Azure keeps a deleted name busy for a while
            catch (Azure.RequestFailedException) when (i < 60) { await Task.Delay(1000, ct); }
        }
    }

    private static List<Order> GenerateNew(IReadOnlyList<CatalogItem> catalog, int count, DateTimeOffset from,
        int minutes, out DateTimeOffset firstTampered)
    {
        var random = new Random(11);
        var list = new List<Order>(count);
        var step = TimeSpan.FromMinutes(minutes).Ticks / count;
        var tamperFrom = from.AddMinutes(minutes / 2.0);
        firstTampered = DateTimeOffset.MaxValue;
        for (var i = 0; i < count; i++)
        {
            var at = from.AddTicks(step * i + random.Next((int)Math.Min(step, int.MaxValue)));
            var item = catalog[random.Next(catalog.Count)];
            var price = item.Prices["EUR"];
            // the shoe: 1 % of orders from the middle on, at a fifth of its price
            if (at >= tamperFrom && random.Next(100) == 0) item = catalog[0];
            price = item.Prices["EUR"];
            if (item == catalog[0] && at >= tamperFrom && random.Next(2) == 0 && price > 1m)
            {
                price = Math.Round(price * 0.2m, 2);
                if (at < firstTampered) firstTampered = at;
            }
            list.Add(new Order
            {
                OrderId = $"n{i:D7}",
                CreatedAt = at,
                CustomerId = $"c{random.Next(100000):D6}",
                Sku = item.Sku,
                Quantity = 1,
                UnitPrice = price,
                Currency = "EUR",
                Total = price,
                Status = "paid",
                Channel = "web",
                Region = "eu-west",
                PaymentMethod = "card",
            });
        }
        return list;
    }

    private static async Task<(long Rows, double Seconds)> RawReadAsync(TableClient table, OrderQuery query,
        CancellationToken ct)
    {
        long rows = 0;
        var clock = Stopwatch.StartNew();
        foreach (var bucket in TableOrderSource.Buckets(query.From, query.To))
            await foreach (var page in table.QueryAsync<TableEntity>(TableOrderSource.Filter(bucket, query), 1000,
                cancellationToken: ct).AsPages().WithCancellation(ct))
                rows += page.Values.Count;
        return (rows, clock.Elapsed.TotalSeconds);
    }
}
