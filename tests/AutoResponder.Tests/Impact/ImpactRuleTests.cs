using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;

namespace AutoResponder.Tests.Impact;

public sealed class ImpactRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    internal static Order Order(string id, DateTimeOffset at, decimal price = 10m, string currency = "EUR", int quantity = 1, string sku = "SKU-1",
        string status = "paid", DateTimeOffset? statusSince = null, string channel = "web", string region = "eu-west") => new()
    {
        OrderId = id, CreatedAt = at, CustomerId = "c-" + id, CustomerEmail = $"{id}@example.com", Sku = sku, Quantity = quantity,
        UnitPrice = price, Currency = currency, Total = price * quantity, Status = status, StatusSince = statusSince ?? at,
        Channel = channel, Region = region, PaymentMethod = "card",
    };

    private static readonly Dictionary<string, CatalogItem> Catalog = new()
    {
        ["SKU-1"] = new CatalogItem("SKU-1", "Mug", new Dictionary<string, decimal> { ["EUR"] = 10m, ["USD"] = 11m }),
    };

    [Fact]
    public void Window_runs_from_first_alert_minus_lookback_to_mitigation_or_now()
    {
        var options = new ImpactOptions { LookbackMinutes = 15 };
        var incident = new IncidentRecord { OpenedAt = T0.AddMinutes(5), FirstAlertAt = T0 };

        var open = ImpactWindow.For(incident, options, T0.AddHours(2));
        Assert.Equal(T0.AddMinutes(-15), open.From);
        Assert.Equal(T0.AddHours(2), open.To);
        Assert.True(open.Open);

        incident.ResolvedAt = T0.AddHours(1);
        Assert.Equal(T0.AddHours(1), ImpactWindow.For(incident, options, T0.AddHours(3)).To);
        incident.MitigatedAt = T0.AddMinutes(40);
        var mitigated = ImpactWindow.For(incident, options, T0.AddHours(3));
        Assert.Equal(T0.AddMinutes(40), mitigated.To);
        Assert.False(mitigated.Open);

        var noAlert = new IncidentRecord { OpenedAt = T0 };
        Assert.Equal(T0.AddMinutes(-15), ImpactWindow.For(noAlert, options, T0.AddHours(1)).From);
    }

    [Fact]
    public void Window_longer_than_the_cap_keeps_its_end()
    {
        var window = ImpactWindow.For(new IncidentRecord { OpenedAt = T0, FirstAlertAt = T0 }, new ImpactOptions { LookbackMinutes = 0, MaxWindowHours = 2 }, T0.AddHours(5));
        Assert.True(window.Truncated);
        Assert.Equal(T0.AddHours(3), window.From);
        Assert.Equal(T0.AddHours(5), window.To);
    }

    [Fact]
    public void Below_catalog_price_respects_the_tolerance_and_reports_the_shortfall()
    {
        var rule = new ImpactRule(new ImpactRuleOptions { Name = "tamper", Kind = ImpactRuleKind.BelowCatalogPrice, MatchAll = true, TolerancePercent = 1m });
        Assert.Null(rule.Evaluate(Order("a", T0, price: 9.95m), Catalog, T0));          // 0.5 % below: tolerated
        Assert.Null(rule.Evaluate(Order("b", T0, price: 12m), Catalog, T0));            // above catalog
        Assert.Null(rule.Evaluate(Order("c", T0, price: 1m, currency: "GBP"), Catalog, T0)); // no catalog price in GBP
        var hit = rule.Evaluate(Order("d", T0, price: 4m, quantity: 3), Catalog, T0);
        Assert.NotNull(hit);
        Assert.Equal(10m, hit.Value.CatalogPrice);
        Assert.Equal(-6m, hit.Value.PriceDelta);
        Assert.Equal(18m, hit.Value.MoneyAtRisk); // (10 − 4) × 3
    }

    [Fact]
    public void Stuck_in_status_counts_only_orders_in_the_status_longer_than_the_limit()
    {
        var rule = new ImpactRule(new ImpactRuleOptions { Name = "stuck", Kind = ImpactRuleKind.StuckInStatus, MatchAll = true, Statuses = ["payment_pending"], StuckMinutes = 30 });
        var asOf = T0.AddHours(1);
        Assert.NotNull(rule.Evaluate(Order("a", T0, status: "payment_pending", statusSince: asOf.AddMinutes(-31)), Catalog, asOf));
        Assert.Null(rule.Evaluate(Order("b", T0, status: "payment_pending", statusSince: asOf.AddMinutes(-29)), Catalog, asOf));
        Assert.Null(rule.Evaluate(Order("exactly", T0, status: "payment_pending", statusSince: asOf.AddMinutes(-30)), Catalog, asOf)); // not longer than 30
        Assert.Null(rule.Evaluate(Order("c", T0, status: "shipped", statusSince: asOf.AddHours(-5)), Catalog, asOf));
        Assert.Equal(20m, rule.Evaluate(Order("d", T0, price: 10m, quantity: 2, status: "payment_pending", statusSince: T0), Catalog, asOf)!.Value.MoneyAtRisk);
    }

    [Fact]
    public void Unreadable_money_text_stops_the_read_instead_of_becoming_zero()
    {
        var row = OrderEntity.From(Order("a", T0, price: 12.50m));
        Assert.Equal(12.50m, row.ToOrder().UnitPrice);
        Assert.Equal("12.50", row.UnitPrice);
        row.UnitPrice = "1e3";
        Assert.Equal(1000m, row.ToOrder().UnitPrice);
        row.UnitPrice = "12,50";
        var error = Assert.Throws<InvalidDataException>(() => row.ToOrder());
        Assert.Contains("UnitPrice", error.Message);
        Assert.Contains(row.RowKey, error.Message);

        var catalogRow = CatalogEntity.From(Catalog["SKU-1"]);
        catalogRow["PriceEUR"] = "ten";
        Assert.Throws<InvalidDataException>(() => CatalogEntity.ToItem(catalogRow));
    }

    [Fact]
    public void All_orders_applies_its_filters()
    {
        var rule = new ImpactRule(new ImpactRuleOptions { Name = "app-eu", MatchAll = true, Channels = ["app"], Regions = ["eu-west"] });
        Assert.NotNull(rule.Evaluate(Order("a", T0, channel: "app"), Catalog, T0));
        Assert.Null(rule.Evaluate(Order("b", T0, channel: "web"), Catalog, T0));
        Assert.Null(rule.Evaluate(Order("c", T0, channel: "app", region: "us-east"), Catalog, T0));
    }

    [Fact]
    public void Rules_apply_by_alert_rule_service_or_label()
    {
        var incident = new IncidentRecord { Service = "checkout", Rule = "HighErrorRate" };
        var alerts = new[] { new AlertRecord { LabelsJson = """{"team":"payments","env":"prod"}""" } };
        Assert.True(new ImpactRule(new ImpactRuleOptions { Name = "r", AlertRules = ["higherrorrate"] }).AppliesTo(incident, alerts));
        Assert.True(new ImpactRule(new ImpactRuleOptions { Name = "s", Services = ["checkout"] }).AppliesTo(incident, alerts));
        Assert.True(new ImpactRule(new ImpactRuleOptions { Name = "l", Labels = new() { ["team"] = "payments" } }).AppliesTo(incident, alerts));
        Assert.False(new ImpactRule(new ImpactRuleOptions { Name = "x", Services = ["search"], Labels = new() { ["team"] = "growth" } }).AppliesTo(incident, alerts));
    }

    [Fact]
    public void Validation_names_the_rule_and_the_setting()
    {
        var options = new ImpactOptions
        {
            Rules =
            [
                new ImpactRuleOptions { Name = "ok", MatchAll = true },
                new ImpactRuleOptions { Name = "stuck-payments", Kind = ImpactRuleKind.StuckInStatus, Services = ["payments"] },
                new ImpactRuleOptions { Name = "nowhere" },
            ],
        };
        var result = new ImpactOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:1:Statuses") && f.Contains("stuck-payments"));
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:1:StuckMinutes") && f.Contains("stuck-payments"));
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:2:AlertRules") && f.Contains("nowhere"));
        Assert.DoesNotContain(failures, f => f.Contains("Rules:0"));
    }
}
