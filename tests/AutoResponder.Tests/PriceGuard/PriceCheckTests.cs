using AutoResponder.Impact.Orders;
using AutoResponder.PriceGuard;

namespace AutoResponder.Tests.PriceGuard;

public sealed class PriceCheckTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, CatalogItem> Catalog = new()
    {
        ["SHOE"] = new("SHOE", "Runner", new Dictionary<string, decimal> { ["EUR"] = 100m, ["USD"] = 110m }),
    };

    public static Order Line(decimal price, int quantity = 1, string sku = "SHOE", string currency = "EUR", string channel = "web", DateTimeOffset? at = null) => new()
    {
        OrderId = "o1",
        CreatedAt = at ?? At,
        CustomerId = "c1",
        Sku = sku,
        Quantity = quantity,
        UnitPrice = price,
        Currency = currency,
        Total = price * quantity,
        Channel = channel,
    };

    [Theory]
    [InlineData(100, null)]        // catalog
    [InlineData(99.5, null)]       // 0.5 % tolerance: exactly at the edge is fine
    [InlineData(99.49, PriceAnomaly.BelowCatalog)]
    [InlineData(12, PriceAnomaly.BelowCatalog)]
    [InlineData(150, null)]        // paying more is not the guard's business
    public void Price_below_catalog_beyond_the_tolerance_is_flagged(decimal price, PriceAnomaly? expected)
    {
        var finding = new PriceCheck(new PriceGuardOptions()).Check(Line(price), Catalog);
        Assert.Equal(expected, finding?.Anomaly);
    }

    [Fact]
    public void Shortfall_is_per_line_times_quantity_in_the_order_currency()
    {
        var finding = new PriceCheck(new PriceGuardOptions()).Check(Line(10m, quantity: 3, currency: "USD"), Catalog)!;
        Assert.Equal(110m, finding.CatalogPrice);
        Assert.Equal(300m, finding.Shortfall);
    }

    [Theory]
    [InlineData(0, PriceAnomaly.Quantity)]
    [InlineData(-2, PriceAnomaly.Quantity)]
    [InlineData(51, PriceAnomaly.Quantity)]
    [InlineData(50, null)]
    public void Quantity_outside_one_to_max_is_flagged(int quantity, PriceAnomaly? expected) =>
        Assert.Equal(expected, new PriceCheck(new PriceGuardOptions()).Check(Line(100m, quantity), Catalog)?.Anomaly);

    [Theory]
    [InlineData("GBP")]  // no catalog price in that currency
    [InlineData("eur")]  // not an ISO code as stored
    [InlineData("EURO")]
    public void Currency_without_a_catalog_price_is_flagged(string currency) =>
        Assert.Equal(PriceAnomaly.Currency, new PriceCheck(new PriceGuardOptions()).Check(Line(100m, currency: currency), Catalog)?.Anomaly);

    [Fact]
    public void Unknown_sku_is_flagged() =>
        Assert.Equal(PriceAnomaly.UnknownSku, new PriceCheck(new PriceGuardOptions()).Check(Line(100m, sku: "GHOST"), Catalog)?.Anomaly);

    [Fact]
    public void A_configured_promotion_allows_its_discount_only_for_its_skus_channels_and_time()
    {
        var options = new PriceGuardOptions
        {
            Promotions = [new PromotionOptions { Name = "black-friday", DiscountPercent = 20, Skus = ["SHOE"], Channels = ["app"], From = At.AddHours(-1), To = At.AddHours(1) }],
        };
        var check = new PriceCheck(options);
        Assert.Null(check.Check(Line(80m, channel: "app"), Catalog));                                   // exactly the promotion
        Assert.Null(check.Check(Line(79.6m, channel: "app"), Catalog));                                 // within tolerance of it
        Assert.Equal(PriceAnomaly.BelowCatalog, check.Check(Line(70m, channel: "app"), Catalog)?.Anomaly); // beyond it
        Assert.Equal(PriceAnomaly.BelowCatalog, check.Check(Line(80m, channel: "web"), Catalog)?.Anomaly); // other channel
        Assert.Equal(PriceAnomaly.BelowCatalog, check.Check(Line(80m, channel: "app", at: At.AddHours(2)), Catalog)?.Anomaly); // after it ended
    }

    [Fact]
    public void Options_validation_names_the_setting()
    {
        var result = new PriceGuardOptionsValidator().Validate(null, new PriceGuardOptions
        {
            Severity = "Sev9",
            WindowMinutes = 0,
            Promotions = [new PromotionOptions { Name = "x", DiscountPercent = 0 }],
        });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("AutoResponder:PriceGuard:Severity"));
        Assert.Contains(result.Failures!, f => f.Contains("AutoResponder:PriceGuard:WindowMinutes"));
        Assert.Contains(result.Failures!, f => f.Contains("AutoResponder:PriceGuard:Promotions:0:DiscountPercent"));
    }
}
