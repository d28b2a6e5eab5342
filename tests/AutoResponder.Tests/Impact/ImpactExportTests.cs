using System.Globalization;
using System.Runtime.CompilerServices;
using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Tests.Infrastructure;
using Azure.Storage.Blobs.Specialized;
using static AutoResponder.Tests.Impact.ImpactRuleTests;
using static AutoResponder.Tests.Impact.ImpactTestKit;

namespace AutoResponder.Tests.Impact;

/// <summary>The exporter on its own: an in-memory order source (values a Table key could not hold) into a real Azurite blob.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImpactExportTests(AzuriteFixture azurite)
{
    private static readonly (string, string)[] AllCheckoutOrders = [("Name", "all-checkout"), ("Kind", "AllOrders"), ("Services:0", "checkout")];

    [Fact]
    public async Task Every_text_column_is_neutralised_numbers_stay_exact_numbers_and_times_are_utc()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var created = new DateTimeOffset(2026, 11, 26, 11, 30, 15, TimeSpan.FromHours(2)).AddTicks(1234567); // 09:30:15.1234567 UTC
        var hostile = new Order
        {
            OrderId = "=1+1",
            LineId = "-1",
            CreatedAt = created,
            CustomerId = "\tc-1",
            CustomerEmail = "+31612345678@x.example",
            Sku = "-SKU",
            Quantity = 3,
            UnitPrice = 4m,
            Currency = "@EU",
            Total = 12345678901234567890.12m,
            Status = "\rpaid",
            StatusSince = created,
            Channel = "=web",
            Region = "+eu",
            PaymentMethod = "-card",
        };
        var catalog = new CatalogItem("-SKU", "Hostile", new Dictionary<string, decimal> { ["@EU"] = 10m });
        var rule = new ImpactRule(new ImpactRuleOptions { Name = "@rule", MatchAll = true, MoneyAtRisk = MoneyAtRiskMode.Delta });
        var blob = app.Get<ExportBlobs>().Container.GetBlockBlobClient("hostile.csv");

        var result = await new ImpactExporter(new ListOrderSource([hostile], [catalog]))
            .ExportAsync(new ExportRequest([rule], new ImpactWindow(created.AddHours(-1), created.AddHours(1), false, false), created), blob, null, default);

        var row = Assert.Single(await RowsAsync((await blob.DownloadContentAsync()).Value.Content.ToArray()));
        foreach (var (column, original) in new[]
                 {
                     ("order_id", hostile.OrderId), ("line_id", hostile.LineId), ("customer_id", hostile.CustomerId), ("customer_email", hostile.CustomerEmail),
                     ("sku", hostile.Sku), ("currency", hostile.Currency), ("status", hostile.Status), ("channel", hostile.Channel),
                     ("region", hostile.Region), ("payment_method", hostile.PaymentMethod), ("rule", rule.Name),
                 })
        {
            Assert.Equal("'" + original, row[column]);
            Assert.Equal(original, CsvCells.Restore(row[column]));
        }
        Assert.Equal("2026-11-26T09:30:15.1234567Z", row["created_at"]);
        Assert.Equal(row["created_at"], row["status_since"]);
        Assert.Equal("3", row["quantity"]);
        Assert.Equal("-6", row["unit_price_delta"]);                         // negative numbers are not escaped
        Assert.Equal("18", row["money_at_risk"]);
        Assert.Equal("12345678901234567890.12", row["order_total"]);         // decimal text, no double rounding
        Assert.Equal(18m, result.Summary.MoneyAtRisk["@EU"]);
    }

    [Fact]
    public async Task Money_at_risk_sums_exactly_per_currency()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var t = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
        // 0.1 + 0.2 is 0.30000000000000004 in double; ten of them and a big total must sum exactly in decimal.
        var orders = Enumerable.Range(0, 10).Select(i => Order($"o{i:D2}", t.AddSeconds(i), price: 0.1m, currency: "EUR"))
            .Concat(Enumerable.Range(10, 10).Select(i => Order($"o{i:D2}", t.AddSeconds(i), price: 0.2m, currency: "EUR")))
            .Append(Order("big", t.AddSeconds(30), price: 79_228_162_514_264_337.59m, currency: "USD"))
            .Append(Order("big2", t.AddSeconds(31), price: 0.01m, currency: "USD"))
            .ToArray();
        var rule = new ImpactRule(new ImpactRuleOptions { Name = "all", MatchAll = true });
        var blob = app.Get<ExportBlobs>().Container.GetBlockBlobClient("money.csv");

        var result = await new ImpactExporter(new ListOrderSource(orders, [Mug]))
            .ExportAsync(new ExportRequest([rule], new ImpactWindow(t, t.AddMinutes(1), false, false), t), blob, null, default);

        Assert.Equal(3.0m, result.Summary.MoneyAtRisk["EUR"]);
        Assert.Equal("3.0", result.Summary.MoneyAtRisk["EUR"].ToString(CultureInfo.InvariantCulture));
        Assert.Equal(79_228_162_514_264_337.60m, result.Summary.MoneyAtRisk["USD"]);
        Assert.Equal(t, result.Summary.FirstOrderAt);
        Assert.Equal(t.AddSeconds(31), result.Summary.LastOrderAt);
    }

    [Fact]
    public async Task Orders_sharing_a_timestamp_and_hostile_ids_are_matched_against_the_previous_export()
    {
        await using var app = await TestApp.StartAsync(azurite, Rules(AllCheckoutOrders));
        var now = app.Time.GetUtcNow();
        var same = now.AddMinutes(-10);
        // A store with second-precision timestamps: lines of order 1000 sort after order 10000 in a Table RowKey
        // ("{ticks}|10000" < "{ticks}|1000|1"), though (1000, 1) < (10000, "") by id; and ids the CSV escapes.
        await SeedAsync(app, Order("1000", same) with { LineId = "1" }, Order("1000", same) with { LineId = "2" }, Order("10000", same),
            Order("-7", same), Order("=7", same) with { LineId = "-1" }, Order("z", same.AddTicks(1)));
        var id = await OpenIncidentAsync(app, now.AddMinutes(-5));
        await RunOutboxAsync(app, id);
        await app.Get<ImpactEndpoint>().RefreshAsync(new AutoResponder.Access.Caller("ops@shop.example", [AutoResponder.Access.Roles.Responder], "token"), id, default);
        await RunOutboxAsync(app, id);

        var snapshots = await SnapshotsAsync(app, id);
        Assert.Equal(2, snapshots.Count);
        Assert.Equal(6, snapshots[1].Orders);
        Assert.Equal(0, snapshots[1].NewOrders);
        Assert.Equal(0, snapshots[1].NoLongerAffected);
    }

    /// <summary>An order source over a list (sorted as the contract asks).</summary>
    private sealed class ListOrderSource(IReadOnlyList<Order> orders, IReadOnlyList<CatalogItem> catalog) : IOrderSource
    {
        public async IAsyncEnumerable<Order> ReadOrdersAsync(OrderQuery query, [EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var order in orders.OrderBy(o => o.CreatedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal).ThenBy(o => o.LineId, StringComparer.Ordinal))
            {
                await Task.Yield();
                if (order.CreatedAt >= query.From && order.CreatedAt <= query.To) yield return order;
            }
        }

        public Task<IReadOnlyDictionary<string, CatalogItem>> ReadCatalogAsync(CancellationToken ct) =>
            Task.FromResult<IReadOnlyDictionary<string, CatalogItem>>(catalog.ToDictionary(c => c.Sku));

        public Task CheckAvailableAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
