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
            OrderId = id,
            CreatedAt = at,
            CustomerId = "c-" + id,
            CustomerEmail = $"{id}@example.com",
            Sku = sku,
            Quantity = quantity,
            UnitPrice = price,
            Currency = currency,
            Total = price * quantity,
            Status = status,
            StatusSince = statusSince ?? at,
            Channel = channel,
            Region = region,
            PaymentMethod = "card",
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

    private static AlertRecord Alert(string title, string? service = "checkout", string? rule = null, string source = "generic", string? labels = null) =>
        new() { Title = title, Service = service, Rule = rule, Source = source, LabelsJson = labels };

    [Fact]
    public void A_rule_fits_an_alert_by_rule_name_title_label_or_source_within_its_services()
    {
        var alert = AlertFacts.Of(Alert("Checkout paid below catalog", rule: "HighErrorRate", labels: """{"team":"payments","env":"prod"}"""));
        Assert.Equal(MatchTier.Alert, new ImpactRule(new ImpactRuleOptions { Name = "r", AlertRules = ["higherrorrate"] }).Match(alert)!.Tier);
        Assert.Equal("title ~ /below catalog/", new ImpactRule(new ImpactRuleOptions { Name = "t", TitlePatterns = ["below catalog"] }).Match(alert)!.Why);
        Assert.Equal("label team = payments", new ImpactRule(new ImpactRuleOptions { Name = "l", Labels = new() { ["team"] = "payments" } }).Match(alert)!.Why);
        Assert.Null(new ImpactRule(new ImpactRuleOptions { Name = "src", Sources = ["price-guard"] }).Match(alert));
        Assert.Equal(MatchTier.Service, new ImpactRule(new ImpactRuleOptions { Name = "s", Services = ["checkout"] }).Match(alert)!.Tier);
        Assert.Equal(MatchTier.CatchAll, new ImpactRule(new ImpactRuleOptions { Name = "all", MatchAll = true }).Match(alert)!.Tier);

        // Services narrow the alert matchers: both must fit, and the match says both.
        var scoped = new ImpactRule(new ImpactRuleOptions { Name = "p", TitlePatterns = ["below catalog"], Services = ["checkout"] });
        Assert.Equal((MatchTier.Alert, 2, "title ~ /below catalog/, service = checkout"), (scoped.Match(alert)!.Tier, scoped.Match(alert)!.Facts, scoped.Match(alert)!.Why));
        Assert.Null(scoped.Match(AlertFacts.Of(Alert("Checkout paid below catalog", service: "search"))));
        Assert.Null(scoped.Match(AlertFacts.Of(Alert("Checkout down"))));
        Assert.Null(new ImpactRule(new ImpactRuleOptions { Name = "x", Services = ["search"], Labels = new() { ["team"] = "growth" } }).Match(alert));
    }

    /// <summary>The demo's rules in its order: the catch-all first, so configuration order alone would let it claim everything.</summary>
    private static readonly ImpactRule[] DemoRules =
    [
        new(new ImpactRuleOptions { Name = "checkout-orders", Services = ["checkout"] }, 0),
        new(new ImpactRuleOptions { Name = "price-tampering", Kind = ImpactRuleKind.BelowCatalogPrice, TitlePatterns = ["below catalog", "price"],
            Labels = new() { ["anomaly"] = "below-catalog" }, Sources = ["price-guard"] }, 1),
        new(new ImpactRuleOptions { Name = "everything", MatchAll = true }, 2),
    ];

    private static IReadOnlyList<SelectedRule> Select(ImpactCorrection correction, params AlertRecord[] alerts) =>
        ImpactRuleSelection.Select(DemoRules, new IncidentRecord(), alerts, correction);

    [Fact]
    public void The_most_specific_rule_wins_and_a_catch_all_applies_only_when_nothing_else_does()
    {
        var tour = Select(ImpactCorrection.None, Alert("Checkout paid below catalog"));
        Assert.Equal(["price-tampering"], tour.Select(r => r.Rule.Name));
        Assert.Equal("alert", tour[0].SelectedBy);
        Assert.Contains("title ~ /below catalog/", tour[0].Why);

        var down = Select(ImpactCorrection.None, Alert("Checkout down"));
        Assert.Equal(["checkout-orders"], down.Select(r => r.Rule.Name));
        Assert.Equal(("service", "service = checkout (alert \"Checkout down\")"), (down[0].SelectedBy, down[0].Why));

        var guard = Select(ImpactCorrection.None, Alert("Price guard: SKU-00012 paid below catalog", service: "pricing", source: "price-guard", labels: """{"anomaly":"below-catalog"}"""));
        Assert.Equal(["price-tampering"], guard.Select(r => r.Rule.Name));
        Assert.Contains("label anomaly = below-catalog", guard[0].Why);

        var search = Select(ImpactCorrection.None, Alert("Search slow", service: "search"));
        Assert.Equal([("everything", "catch-all")], search.Select(r => (r.Rule.Name, r.SelectedBy)));

        // Two alerts: each brings its own best rules; the more specific claims orders first.
        var both = Select(ImpactCorrection.None, Alert("Checkout down"), Alert("Checkout paid below catalog"));
        Assert.Equal(["price-tampering", "checkout-orders"], both.Select(r => r.Rule.Name));
    }

    [Fact]
    public void Configuration_order_breaks_ties_only()
    {
        ImpactRule[] rules =
        [
            new(new ImpactRuleOptions { Name = "b-label", Labels = new() { ["team"] = "payments" } }, 0),
            new(new ImpactRuleOptions { Name = "a-title-and-service", TitlePatterns = ["payment"], Services = ["checkout"] }, 1),
            new(new ImpactRuleOptions { Name = "c-title", TitlePatterns = ["payment"] }, 2),
        ];
        var selected = ImpactRuleSelection.Select(rules, new IncidentRecord(), [Alert("Payment failures", labels: """{"team":"payments"}""")], ImpactCorrection.None);
        Assert.Equal(["a-title-and-service", "b-label", "c-title"], selected.Select(r => r.Rule.Name));
    }

    [Fact]
    public void A_responders_correction_adds_chosen_rules_first_and_leaves_excluded_ones_out()
    {
        var correction = new ImpactCorrection(["price-tampering"], ["checkout-orders"], "alice@shop.example", T0);
        var selected = Select(correction, Alert("Checkout down"));
        Assert.Equal([("price-tampering", "responder", "chosen by alice@shop.example")], selected.Select(r => (r.Rule.Name, r.SelectedBy, r.Why)));

        var added = Select(new ImpactCorrection(["everything"], [], "bob", T0), Alert("Checkout paid below catalog"));
        Assert.Equal(["everything", "price-tampering"], added.Select(r => r.Rule.Name));
    }

    [Fact]
    public void Money_at_risk_means_the_underpayment_the_order_value_or_the_amount_stuck()
    {
        Assert.Equal(MoneyMeasure.Underpaid, new ImpactRule(new ImpactRuleOptions { Kind = ImpactRuleKind.BelowCatalogPrice }).Measure);
        Assert.Equal(MoneyMeasure.OrderValue, new ImpactRule(new ImpactRuleOptions { Kind = ImpactRuleKind.AllOrders }).Measure);
        Assert.Equal(MoneyMeasure.AmountStuck, new ImpactRule(new ImpactRuleOptions { Kind = ImpactRuleKind.StuckInStatus }).Measure);
        Assert.Equal(MoneyMeasure.Underpaid, new ImpactRule(new ImpactRuleOptions { Kind = ImpactRuleKind.AllOrders, MoneyAtRisk = MoneyAtRiskMode.Delta }).Measure);
        Assert.Equal(["Underpaid", "Order value at risk", "Amount stuck"], Enum.GetValues<MoneyMeasure>().Select(m => m.Label()));
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
                new ImpactRuleOptions { Name = "bad-title", TitlePatterns = ["below (catalog"] },
                new ImpactRuleOptions { Name = "both", MatchAll = true, Services = ["checkout"] },
            ],
        };
        var result = new ImpactOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:1:Statuses") && f.Contains("stuck-payments"));
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:1:StuckMinutes") && f.Contains("stuck-payments"));
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:2:AlertRules") && f.Contains("nowhere"));
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:3:TitlePatterns:0 is not a valid regular expression") && f.Contains("bad-title"));
        Assert.Contains(failures, f => f.StartsWith("AutoResponder:Impact:Rules:4:MatchAll") && f.Contains("both"));
        Assert.DoesNotContain(failures, f => f.Contains("Rules:0"));
    }
}
