using System.Text.Json;
using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static AutoResponder.Tests.Impact.ImpactRuleTests;
using static AutoResponder.Tests.Impact.ImpactTestKit;

namespace AutoResponder.Tests.Impact;

[Collection(AzuriteCollection.Name)]
public sealed class ImpactSnapshotTests(AzuriteFixture azurite)
{
    private static readonly (string, string)[] AllCheckoutOrders = [("Name", "all-checkout"), ("Kind", "AllOrders"), ("Services:0", "checkout")];

    [Fact]
    public async Task Window_boundaries_decide_the_export_and_the_resolution_snapshot_records_its_delta()
    {
        await using var app = await TestApp.StartAsync(azurite, Rules(AllCheckoutOrders));
        var now = app.Time.GetUtcNow();                    // 09:00
        var alertAt = now.AddHours(-1);                    // 08:00; lookback 15 min → window from 07:45
        var from = alertAt.AddMinutes(-15);
        await SeedAsync(app,
            Order("before", from.AddTicks(-1)), Order("start", from), Order("mid", alertAt.AddMinutes(30)),
            Order("end", now), Order("after-now", now.AddTicks(1)), Order("later", now.AddMinutes(20)), Order("too-late", now.AddMinutes(31)));

        var id = await OpenIncidentAsync(app, alertAt);
        await RunOutboxAsync(app, id);

        var first = Assert.Single(await SnapshotsAsync(app, id));
        Assert.Equal("opened", first.Trigger);
        Assert.Equal(from, first.WindowFrom);
        Assert.Equal(now, first.WindowTo);
        var rows = await RowsAsync(await DownloadAsync(app, first));
        Assert.Equal(["start", "mid", "end"], rows.Select(r => r["order_id"]));
        Assert.Equal(3, first.Orders);
        Assert.Equal(3, first.NewOrders);
        Assert.Equal(from, first.FirstOrderAt);
        Assert.Equal(now, first.LastOrderAt);

        app.Time.Advance(TimeSpan.FromMinutes(30));        // resolved at 09:30: window end
        await app.Get<IncidentService>().ResolveAsync(id, "fixed", "alice", default);
        await RunOutboxAsync(app, id);

        var snapshots = await SnapshotsAsync(app, id);
        Assert.Equal(2, snapshots.Count);
        var second = snapshots[1];
        Assert.Equal("resolved", second.Trigger);
        Assert.Equal(now.AddMinutes(30), second.WindowTo);
        Assert.Equal(["start", "mid", "end", "after-now", "later"], (await RowsAsync(await DownloadAsync(app, second))).Select(r => r["order_id"]));
        Assert.Equal(2, second.NewOrders);                 // after-now and later are new since the first export
        Assert.Equal(0, second.NoLongerAffected);
    }

    [Fact]
    public async Task Every_rule_kind_sums_money_at_risk_per_currency_and_operations_receive_the_export_by_mail()
    {
        var settings = Rules(
            [("Name", "tampering"), ("Kind", "BelowCatalogPrice"), ("Services:0", "checkout"), ("TolerancePercent", "0.5")],
            [("Name", "stuck-payments"), ("Kind", "StuckInStatus"), ("Services:0", "checkout"), ("Statuses:0", "payment_pending"), ("StuckMinutes", "30")]);
        settings["AutoResponder:Mail:Sender"] = "incidents@shop.example";
        settings["AutoResponder:Mail:OpsRecipients"] = "ops@shop.example";
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, settings, graph.Install);
        var now = app.Time.GetUtcNow();
        var t = now.AddMinutes(-50);
        await SeedAsync(app,
            Order("eur-low", t, price: 4m, quantity: 2),                         // tampering: (10−4)×2 = 12 EUR
            Order("eur-noise", t.AddMinutes(1), price: 9.99m),                   // 0.1 % below: tolerated
            Order("usd-low", t.AddMinutes(2), price: 5m, currency: "USD"),       // tampering: 6 USD
            Order("usd-low3", t.AddMinutes(3), price: 1m, quantity: 3, currency: "USD"), // tampering: 30 USD
            Order("stuck", t.AddMinutes(4), price: 10m, quantity: 2, status: "payment_pending", statusSince: now.AddMinutes(-45)), // stuck: total 20 EUR
            Order("fresh-pending", t.AddMinutes(5), status: "payment_pending", statusSince: now.AddMinutes(-5)),                  // not stuck yet
            Order("fine", t.AddMinutes(6)));

        var id = await OpenIncidentAsync(app, now.AddMinutes(-45));
        await RunOutboxAsync(app, id);

        var s = Assert.Single(await SnapshotsAsync(app, id));
        Assert.Equal(4, s.Orders);
        Assert.Equal(new Dictionary<string, decimal> { ["EUR"] = 32m, ["USD"] = 36m }, s.MoneyAtRisk());
        Assert.Equal(new Dictionary<string, long> { ["tampering"] = 3, ["stuck-payments"] = 1 }, s.OrdersByRule());
        Assert.Equal(4, s.Customers);
        var rows = await RowsAsync(await DownloadAsync(app, s));
        var low = rows.Single(r => r["order_id"] == "eur-low");
        Assert.Equal(("10", "-6", "12", "tampering"), (low["catalog_unit_price"], low["unit_price_delta"], low["money_at_risk"], low["rule"]));

        await RunOutboxAsync(app, id); // the snapshot's commit signalled the runner again: it visits the delivery it planned
        var details = (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;
        var entry = Assert.Single(details.Timeline, e => e.Kind == TimelineKinds.ImpactSnapshot);
        Assert.Contains("4 affected orders", entry.Text);
        Assert.Contains("EUR 32.00", entry.Text);
        var latest = await app.Get<IncidentStates>().ReadAsync<ImpactState>(id, default);
        Assert.Equal((s.Sequence, s.SnapshotId, 4L, 4L), (latest.LatestSequence, latest.LatestSnapshotId, latest.Orders, latest.NewOrders));
        Assert.EndsWith($"/api/incidents/{id}/impact/snapshots/{s.SnapshotId}/export", entry.Text); // the authenticated route
        Assert.DoesNotContain("sig=", entry.Text);

        var delivery = Assert.Single(details.Actions, a => a.Kind == ImpactOutbox.DeliverExport.Name);
        Assert.Equal(OutboxStatus.Done, delivery.Status); // the ops mail handler (StatusEmails) carried it out
        var mail = Assert.Single(graph.SendMails);
        Assert.Equal(["ops@shop.example"], mail.To);
        var attachment = mail.Message.GetProperty("attachments")[0];
        Assert.EndsWith(".csv", attachment.GetProperty("name").GetString());
        var csv = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(attachment.GetProperty("contentBytes").GetString()!));
        Assert.Contains("eur-low", csv);
        using var payload = JsonDocument.Parse(delivery.Payload);
        Assert.Equal(s.SnapshotId, payload.RootElement.GetProperty("snapshotId").GetString());
        Assert.Equal(s.BlobName, payload.RootElement.GetProperty("blobName").GetString());
        Assert.Equal(4, payload.RootElement.GetProperty("rowCount").GetInt64());
        Assert.Equal(s.SizeBytes, payload.RootElement.GetProperty("sizeBytes").GetInt64());
        Assert.False(payload.RootElement.TryGetProperty("url", out _)); // the contract names the export, never a link to it
    }

    [Fact]
    public async Task Cells_that_could_be_formulas_are_neutralised_but_numbers_stay_numbers()
    {
        await using var app = await TestApp.StartAsync(azurite, Rules(AllCheckoutOrders));
        var now = app.Time.GetUtcNow();
        await SeedAsync(app, Order("plain", now.AddMinutes(-10), price: 8m) with
        {
            CustomerId = "+1-555-0100",
            CustomerEmail = "=HYPERLINK(\"http://evil.example\",\"click\")",
            Sku = "SKU-1",
            Status = "-2+3",
            Channel = "@SUM(A1)",
            Region = "\tcmd",
            PaymentMethod = "\rcard",
        });
        var id = await OpenIncidentAsync(app, now.AddMinutes(-5));
        await RunOutboxAsync(app, id);

        var csv = await DownloadAsync(app, Assert.Single(await SnapshotsAsync(app, id)));
        Assert.Equal([0xEF, 0xBB, 0xBF], csv[..3]);         // UTF-8 with BOM
        var row = Assert.Single(await RowsAsync(csv));
        Assert.Equal("'+1-555-0100", row["customer_id"]);
        Assert.Equal("'=HYPERLINK(\"http://evil.example\",\"click\")", row["customer_email"]);
        Assert.Equal("'-2+3", row["status"]);
        Assert.Equal("'@SUM(A1)", row["channel"]);
        Assert.Equal("'\tcmd", row["region"]);
        Assert.Equal("'\rcard", row["payment_method"]);
        Assert.Equal("-2", row["unit_price_delta"]);        // a number, not a formula
        Assert.Equal("plain", row["order_id"]);
    }

    [Fact]
    public async Task A_failed_export_leaves_no_blob_and_no_snapshot_and_the_retry_completes()
    {
        var flaky = new FlakyOrderSource(failAfterRows: 2);
        await using var app = await TestApp.StartAsync(azurite, Rules(AllCheckoutOrders), services =>
            services.Replace(ServiceDescriptor.Singleton<IOrderSource>(sp =>
            {
                flaky.Inner = ImpactServices.CreateTableOrderSource(sp.GetRequiredService<AutoResponder.Storage.StorageClients>(), new ImpactOptions());
                return flaky;
            })));
        var now = app.Time.GetUtcNow();
        await SeedAsync(app, Enumerable.Range(0, 5).Select(i => Order($"o{i}", now.AddMinutes(-20 + i))).ToArray());
        var id = await OpenIncidentAsync(app, now.AddMinutes(-10));

        await RunOutboxAsync(app, id);
        Assert.Empty(await SnapshotsAsync(app, id));
        var container = app.Get<ExportBlobs>().Container;
        Assert.False(await container.GetBlobClient($"{id}/snapshot-0001.csv").ExistsAsync());
        var action = Assert.Single(await ActionsAsync(app, id, ImpactOutbox.Snapshot.Name));
        Assert.Equal(1, action.Attempts);
        Assert.Contains("order store", action.LastError);
        Assert.Null(await app.Get<ImpactSnapshotStore>().GetLeaseAsync(id, default)); // released

        app.Time.Advance(TimeSpan.FromMinutes(1));
        await RunOutboxAsync(app, id);
        var s = Assert.Single(await SnapshotsAsync(app, id));
        Assert.Equal(5, s.Orders);
        Assert.Equal(5, (await RowsAsync(await DownloadAsync(app, s))).Count);
        Assert.Equal(OutboxStatus.Done, Assert.Single(await ActionsAsync(app, id, ImpactOutbox.Snapshot.Name)).Status);
    }

    [Fact]
    public async Task A_snapshot_waiting_for_another_one_is_retried_but_never_parked()
    {
        var settings = Rules(AllCheckoutOrders);
        settings["AutoResponder:Outbox:MaxAttempts"] = "2";
        await using var app = await TestApp.StartAsync(azurite, settings);
        var now = app.Time.GetUtcNow();
        await SeedAsync(app, Order("a", now.AddMinutes(-10)));
        var id = await OpenIncidentAsync(app, now.AddMinutes(-5));
        var store = app.Get<ImpactSnapshotStore>();
        var other = await store.AcquireAsync(id, ImpactLeaseRecord.Running, "a long export elsewhere", TimeSpan.FromHours(1), default);

        for (var i = 0; i < 4; i++)
        {
            await RunOutboxAsync(app, id);
            app.Time.Advance(TimeSpan.FromMinutes(5));
        }
        var waiting = Assert.Single(await ActionsAsync(app, id, ImpactOutbox.Snapshot.Name));
        Assert.Equal(OutboxStatus.Pending, waiting.Status);
        Assert.True(waiting.Attempts >= 3, $"attempts {waiting.Attempts}");
        Assert.Contains("already running", waiting.LastError);

        await store.ReleaseAsync(other, default);
        await RunOutboxAsync(app, id);
        Assert.Equal(OutboxStatus.Done, Assert.Single(await ActionsAsync(app, id, ImpactOutbox.Snapshot.Name)).Status);
        Assert.Single(await SnapshotsAsync(app, id));
    }

    /// <summary>The real Table source, failing once part-way through the stream (as a dropped connection would).</summary>
    private sealed class FlakyOrderSource(int failAfterRows) : IOrderSource
    {
        public IOrderSource Inner { get; set; } = null!;
        private int _failures;

        public async IAsyncEnumerable<Order> ReadOrdersAsync(OrderQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var rows = 0;
            await foreach (var order in Inner.ReadOrdersAsync(query, ct))
            {
                if (rows++ == failAfterRows && Interlocked.Increment(ref _failures) == 1)
                    throw new OrderSourceUnavailableException("Could not read orders: the order store dropped the connection.");
                yield return order;
            }
        }

        public Task<IReadOnlyDictionary<string, CatalogItem>> ReadCatalogAsync(CancellationToken ct) => Inner.ReadCatalogAsync(ct);
        public Task CheckAvailableAsync(CancellationToken ct) => Inner.CheckAvailableAsync(ct);
    }
}
