using AutoResponder.Impact.Orders;
using AutoResponder.Impact.Seeding;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.PriceGuard;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static AutoResponder.Tests.Impact.ImpactTestKit;

namespace AutoResponder.Tests.PriceGuard;

[Collection(AzuriteCollection.Name)]
public sealed class PriceGuardJobTests(AzuriteFixture azurite)
{
    // Mug: SKU-1, EUR 10 (ImpactTestKit's catalog)
    private static Order Mug(string id, DateTimeOffset at, decimal price = 10m, int quantity = 1) => new()
    {
        OrderId = id,
        CreatedAt = at,
        CustomerId = "c-" + id,
        Sku = "SKU-1",
        Quantity = quantity,
        UnitPrice = price,
        Currency = "EUR",
        Total = price * quantity,
        Channel = "web",
        Region = "eu-west",
        Status = "paid",
    };

    private static Dictionary<string, string?> Settings(params (string, string)[] extra)
    {
        var s = Rules([("Name", "price-tampering"), ("Kind", "BelowCatalogPrice"), ("AlertRules:0", "price-guard")]);
        s["AutoResponder:PriceGuard:SettleSeconds"] = "30";
        foreach (var (k, v) in extra) s["AutoResponder:PriceGuard:" + k] = v;
        return s;
    }

    [Fact]
    public async Task Tampered_orders_become_one_alert_per_sku_and_window_and_the_pipeline_opens_and_counts_the_incident()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings());
        await SeedAsync(app); // catalog
        var guard = app.Get<PriceGuardJob>();
        var t0 = app.Time.GetUtcNow();
        var first = await guard.RunAsync(default);           // first run: starts at now − settle, checks nothing old
        Assert.Equal(0, first.OrdersChecked);

        await SeedAsync(app, Mug("ok1", t0.AddSeconds(10)), Mug("bad1", t0.AddSeconds(20), 1.99m), Mug("bad2", t0.AddSeconds(40), 2.50m, 2),
            Mug("ok2", t0.AddSeconds(50)), Mug("qty", t0.AddSeconds(55), 10m, 500));
        app.Time.Advance(TimeSpan.FromMinutes(1));           // 09:01: reads through 09:00:30
        var run = await guard.RunAsync(default);
        Assert.Equal(PriceGuardRun.Ran, run.Outcome);
        Assert.Equal(t0.AddSeconds(30), run.CheckedThrough);
        Assert.Equal(2, run.OrdersChecked);                  // ok1, bad1: the rest is younger than the settle delay
        var alert = Assert.Single(run.Alerts);
        Assert.Equal((PriceAnomaly.BelowCatalog, 1, IngestOutcomes.Opened), (alert.Anomaly, alert.Orders, alert.Outcome));

        app.Time.Advance(TimeSpan.FromMinutes(1));
        run = await guard.RunAsync(default);
        Assert.Equal(3, run.OrdersChecked);                  // bad2, ok2, qty
        Assert.Equal(2, run.Alerts.Count);
        var again = Assert.Single(run.Alerts, a => a.Anomaly == PriceAnomaly.BelowCatalog);
        Assert.Equal(IngestOutcomes.Duplicate, again.Outcome); // same SKU, same 15-minute window: deduplicated
        var quantity = Assert.Single(run.Alerts, a => a.Anomaly == PriceAnomaly.Quantity);
        Assert.Equal(alert.IncidentId, quantity.IncidentId);   // same service + rule: grouped into the same incident

        var incident = (await app.Get<IncidentStore>().GetDetailsAsync(alert.IncidentId!, default))!;
        Assert.Equal(PriceGuardJob.Source, incident.Incident.Source);
        Assert.Equal("price-guard", incident.Incident.Rule);
        Assert.Equal(2, incident.Alerts.Count);

        await RunOutboxAsync(app, alert.IncidentId!);          // the normal pipeline counts the impact
        var snapshot = Assert.Single(await SnapshotsAsync(app, alert.IncidentId!));
        Assert.Equal(2, snapshot.Orders);                      // bad1, bad2 (below catalog; qty is at catalog price)
        Assert.Equal(8.01m + 15m, snapshot.MoneyAtRisk()["EUR"]);
    }

    [Fact]
    public async Task It_reads_only_orders_after_its_checkpoint_however_long_the_history()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings());
        var t0 = app.Time.GetUtcNow();
        var history = OrderSeeder.Generate(new OrderSeedSpec { Orders = 3000, Days = 2, End = t0.AddMinutes(-5), Skus = 5 }, OrderSeeder.Catalog(5, 42)).Select(o => o.Order).ToArray();
        await SeedAsync(app, history);
        var guard = app.Get<PriceGuardJob>();
        await guard.RunAsync(default);
        await SeedAsync(app, Enumerable.Range(0, 40).Select(i => Mug($"new{i}", t0.AddSeconds(i))).ToArray());
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var run = await guard.RunAsync(default);
        Assert.Equal(40, run.OrdersChecked);
        Assert.Empty(run.Alerts);
    }

    [Fact]
    public async Task Chunked_runs_with_a_per_run_limit_check_every_order_once_even_when_many_share_an_instant()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings(("ChunkOrders", "100"), ("MaxOrdersPerRun", "100")));
        var t0 = app.Time.GetUtcNow();
        await app.Get<PriceGuardJob>().RunAsync(default);
        // 350 orders; groups of 7 share an instant (so a chunk boundary falls inside a group), odd ticks everywhere
        var orders = Enumerable.Range(0, 350).Select(i => Mug($"o{i:D4}", t0.AddTicks(1 + i / 7 * 1_234_567), i % 50 == 0 ? 1m : 10m)).ToArray();
        await SeedAsync(app, orders);
        app.Time.Advance(TimeSpan.FromMinutes(5));

        long total = 0;
        var runs = 0;
        PriceGuardRun run;
        do { run = await app.Get<PriceGuardJob>().RunAsync(default); total += run.OrdersChecked; runs++; } while (run.More);
        Assert.Equal(350, total);
        Assert.True(runs >= 4, $"{runs} runs");
        var row = (await app.Get<PriceGuardCheckpointStore>().ReadAsync(default))!;
        Assert.Equal(350, row.OrdersChecked);
        Assert.Null(row.LeaseOwner);
        Assert.Equal(0, (await app.Get<PriceGuardJob>().RunAsync(default)).OrdersChecked);
    }

    [Fact]
    public async Task Two_instances_running_at_once_never_check_an_order_twice()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings(("ChunkOrders", "100"), ("MaxOrdersPerRun", "200")));
        var t0 = app.Time.GetUtcNow();
        var a = app.Get<PriceGuardJob>();
        var b = ActivatorUtilities.CreateInstance<PriceGuardJob>(app.Services); // a second host: its own lease owner
        await a.RunAsync(default);
        await SeedAsync(app, Enumerable.Range(0, 1000).Select(i => Mug($"o{i:D4}", t0.AddMilliseconds(1 + i * 7), i % 100 == 0 ? 2m : 10m)).ToArray());
        app.Time.Advance(TimeSpan.FromMinutes(5));

        long total = 0;
        for (var round = 0; round < 30; round++)
        {
            var runs = await Task.WhenAll(a.RunAsync(default), b.RunAsync(default));
            total += runs.Sum(r => r.OrdersChecked);
            Assert.All(runs, r => Assert.NotEqual(PriceGuardRun.LeaseLost, r.Outcome));
        }
        Assert.Equal(1000, total);
        Assert.Equal(1000, (await app.Get<PriceGuardCheckpointStore>().ReadAsync(default))!.OrdersChecked);
    }

    [Fact]
    public async Task A_run_that_outlives_its_lease_stops_and_the_next_holder_continues_from_the_last_commit()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings());
        var store = app.Get<PriceGuardCheckpointStore>();
        var t0 = app.Time.GetUtcNow();
        var stale = (await store.TryAcquireAsync("host-a", t0, TimeSpan.FromMinutes(2), default))!;
        Assert.Null(await store.TryAcquireAsync("host-b", t0, TimeSpan.FromMinutes(2), default));   // held
        app.Time.Advance(TimeSpan.FromMinutes(3));                                                    // host-a hangs past its lease
        var taken = (await store.TryAcquireAsync("host-b", t0, TimeSpan.FromMinutes(2), default))!;
        await Assert.ThrowsAsync<PriceGuardLeaseLostException>(() => store.CommitAsync(stale, t0.AddMinutes(1), 10, 0, TimeSpan.FromMinutes(2), true, default));
        await store.CommitAsync(taken, t0.AddMinutes(2), 20, 0, TimeSpan.FromMinutes(2), true, default);
        var row = (await store.ReadAsync(default))!;
        Assert.Equal(t0.AddMinutes(2), row.CheckedThrough);
        Assert.Equal(20, row.OrdersChecked);                                                           // host-a's uncommitted chunk does not count
    }

    [Fact]
    public async Task Refiling_the_same_findings_after_a_crash_changes_nothing()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings());
        var t0 = app.Time.GetUtcNow();
        var finding = new PriceFinding(Mug("bad", t0, 1m), PriceAnomaly.BelowCatalog, 10m, 9m);
        var alert = PriceGuardJob.ToAlert(PriceAnomaly.BelowCatalog, "SKU-1", PriceGuardJob.WindowStart(t0, 15), [finding], new PriceGuardOptions());
        var first = await app.Get<AlertIngestor>().IngestAsync(alert, default);
        var second = await app.Get<AlertIngestor>().IngestAsync(alert with { Description = "re-checked after a crash" }, default);
        Assert.Equal(IngestOutcomes.Opened, first.Outcome);
        Assert.Equal((first.IncidentId, IngestOutcomes.Duplicate), (second.IncidentId, second.Outcome));
        var next = await app.Get<AlertIngestor>().IngestAsync(alert with { StartsAt = alert.StartsAt.AddMinutes(15) }, default);
        Assert.Equal((first.IncidentId, IngestOutcomes.Appended), (next.IncidentId, next.Outcome)); // next window: counted again
    }

    [Fact]
    public async Task Disabled_guard_reads_nothing()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings(("Enabled", "false")));
        Assert.Equal(PriceGuardRun.Disabled, (await app.Get<PriceGuardJob>().RunAsync(default)).Outcome);
        Assert.Null(await app.Get<PriceGuardCheckpointStore>().ReadAsync(default));
    }
}
