using System.Globalization;
using System.Text;
using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Alerts;
using AutoResponder.Http;
using AutoResponder.Impact;
using AutoResponder.Impact.Seeding;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using static AutoResponder.Tests.Impact.ImpactTestKit;

namespace AutoResponder.Tests.Impact;

/// <summary>
/// The README tour against the demo profile's own impact rules (src/Cli/appsettings.Demo.json, in configuration order,
/// the all-orders rule first): a seeded store with a known set of tampered orders, the tour's alert, a checkout outage,
/// and a responder's correction.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImpactTourTests(AzuriteFixture azurite)
{
    private static readonly Caller Alice = new("alice@shop.example", [Roles.Responder], "token");

    /// <summary>The demo profile's AutoResponder:Impact settings (the rules as the README's run.sh uses them), plus ops mail.</summary>
    private static Dictionary<string, string?> DemoSettings()
    {
        var demo = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.Demo.json"), optional: false).Build();
        var settings = demo.GetSection(ImpactOptions.Section).AsEnumerable(makePathsRelative: false)
            .Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        Assert.Contains(settings, s => s.Key.EndsWith("TitlePatterns:0", StringComparison.Ordinal));
        settings["AutoResponder:Mail:Sender"] = "incidents@shop.example";
        settings["AutoResponder:Mail:OpsRecipients"] = "ops@shop.example";
        // The tour's two alerts share service checkout and no rule: by default they would be grouped into one incident.
        settings["AutoResponder:Grouping:Enabled"] = "false";
        return settings;
    }

    private static OrderSeedSpec Spec(DateTimeOffset end) => new()
    {
        Orders = 3_000,
        Days = 1,
        End = end,
        Skus = 40,
        Customers = 2_500,
        Incident = SeedIncident.PriceTampering,
        IdPrefix = "tour",
        Parallelism = 4,
    };

    /// <summary>What the seeder injected: the tampered orders (independent of any rule) and their underpayment per currency.</summary>
    private static (HashSet<string> Tampered, Dictionary<string, decimal> Underpaid, int InWindow) Known(OrderSeedSpec spec, DateTimeOffset windowFrom)
    {
        var catalog = OrderSeeder.Catalog(spec.Skus, spec.RandomSeed).ToDictionary(c => c.Sku);
        var tampered = new HashSet<string>();
        var underpaid = new Dictionary<string, decimal>();
        var inWindow = 0;
        foreach (var (order, affected) in OrderSeeder.Generate(spec, catalog.Values.ToList()))
        {
            if (order.CreatedAt < windowFrom) continue;
            inWindow++;
            if (!affected) continue;
            tampered.Add(order.OrderId);
            underpaid[order.Currency] = underpaid.GetValueOrDefault(order.Currency) + (catalog[order.Sku].Prices[order.Currency] - order.UnitPrice) * order.Quantity;
        }
        return (tampered, underpaid, inWindow);
    }

    private static async Task<string> PostAsync(TestApp app, string json)
    {
        using var document = JsonDocument.Parse(json);
        var alert = Assert.Single(app.Get<AlertPayloadParser>().Parse(document.RootElement));
        return (await app.Get<AlertIngestor>().IngestAsync(alert, default)).IncidentId!;
    }

    private static string TourAlert(string title, DateTimeOffset startsAt) =>
        JsonSerializer.Serialize(new { title, severity = "Sev1", service = "checkout", startsAt = startsAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) });

    [Fact]
    public async Task The_tours_alert_selects_exactly_the_tampered_orders_an_outage_all_orders_and_a_correction_takes_a_new_snapshot_with_its_delta()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, DemoSettings(), graph.Install);
        var now = app.Time.GetUtcNow();
        var spec = Spec(now);
        var target = Orders(app);
        await OrderSeeder.SeedAsync(target, spec, null, default);
        var startsAt = now.AddHours(-2);                                           // the tour: "$(date -u -d '-2 hours')"
        var (tampered, underpaid, inWindow) = Known(spec, startsAt.AddMinutes(-15)); // window from 15 minutes (lookback) before the alert
        Assert.InRange(tampered.Count, 10, inWindow / 2);                          // a real mix: tampered and honest orders

        // 1. The README tour's alert: the price rule, chosen by what the alert says (not the all-orders rule declared first).
        var tour = await PostAsync(app, TourAlert("Checkout paid below catalog", startsAt));
        await RunOutboxAsync(app, tour);
        var priced = Assert.Single(await SnapshotsAsync(app, tour));
        var applied = Assert.Single(priced.Applied());
        Assert.Equal(("price-tampering", "alert", "underpaid"), (applied.Name, applied.SelectedBy, applied.Measure));
        Assert.Contains("title ~ /below catalog/", applied.Why);
        Assert.Contains("service = checkout", applied.Why);

        var rows = await RowsAsync(await DownloadAsync(app, priced));
        Assert.Equal(tampered.Order(), rows.Select(r => r["order_id"]).Order());   // exactly the tampered set: none missing, none extra
        foreach (var row in rows)                                                  // every row below catalog beyond the 0.5 % tolerance
        {
            var paid = decimal.Parse(row["unit_price_paid"], CultureInfo.InvariantCulture);
            var catalog = decimal.Parse(row["catalog_unit_price"], CultureInfo.InvariantCulture);
            Assert.True(catalog - paid > catalog * 0.005m, $"{row["order_id"]} paid {paid} against {catalog}");
        }
        Assert.Equal(tampered.Count, priced.Orders);
        Assert.Equal(underpaid.OrderBy(u => u.Key), priced.MoneyAtRisk().OrderBy(m => m.Key)); // money at risk = summed underpayment
        var measure = Assert.Single(priced.MoneyByMeasure());
        Assert.Equal(MoneyMeasure.Underpaid, measure.Measure);

        // 2. "Checkout down" on the same data: the all-orders rule (service only), every order of the window.
        var down = await PostAsync(app, TourAlert("Checkout down", startsAt));
        await RunOutboxAsync(app, down);
        var outage = Assert.Single(await SnapshotsAsync(app, down));
        Assert.Equal([("checkout-orders", "service")], outage.Applied().Select(a => (a.Name, a.SelectedBy)));
        Assert.Equal(inWindow, outage.Orders);
        Assert.Equal(MoneyMeasure.OrderValue, Assert.Single(outage.MoneyByMeasure()).Measure);
        await RunOutboxAsync(app, down);                                           // the export mailed to operations
        Assert.Single(graph.SendMails, m => m.Subject.Contains(down) && m.Subject.Contains("affected orders export"));

        // 3. The responder corrects the outage incident: the price rule instead of all orders.
        var endpoint = app.Get<ImpactEndpoint>();
        var accepted = await endpoint.CorrectRulesAsync(JsonRequest("""{"choose":["price-tampering"],"exclude":["checkout-orders"]}"""), Alice, down, default);
        Assert.Equal(202, accepted.StatusCode);
        Assert.Equal([("price-tampering", "responder")], ((ImpactEndpoint.CorrectionAcceptedJson)accepted.Body!).Rules.Select(r => (r.Name, r.SelectedBy)));
        await RunOutboxAsync(app, down);
        await RunOutboxAsync(app, down);

        var snapshots = await SnapshotsAsync(app, down);
        Assert.Equal(2, snapshots.Count);
        var corrected = snapshots[1];
        Assert.Equal((ImpactTriggers.Correction, "0001", "alice@shop.example"), (corrected.Trigger, corrected.Supersedes, corrected.CorrectedBy));
        Assert.Equal(tampered.Order(), (await RowsAsync(await DownloadAsync(app, corrected))).Select(r => r["order_id"]).Order());
        Assert.Equal((0L, (long)(inWindow - tampered.Count)), (corrected.NewOrders, corrected.NoLongerAffected)); // the delta: none added, the honest ones removed
        Assert.Equal(underpaid.OrderBy(u => u.Key), corrected.MoneyAtRisk().OrderBy(m => m.Key));

        var details = (await app.Get<IncidentStore>().GetDetailsAsync(down, default))!;
        var correction = Assert.Single(details.Timeline, t => t.Kind == TimelineKinds.ImpactRulesCorrected);
        Assert.Equal("alice@shop.example", correction.Actor);
        Assert.Contains("chose price-tampering; excluded checkout-orders", correction.Text);
        Assert.Contains("supersedes snapshot 0001", Assert.Single(details.Timeline, t => t.Kind == TimelineKinds.ImpactSnapshot && t.Text.StartsWith("Impact snapshot 0002")).Text);
        // Operations get the corrected export — though it adds no order — with a line saying it supersedes the earlier one.
        var mail = Assert.Single(graph.SendMails, m => m.Subject.Contains(down) && m.Subject.Contains("corrected"));
        Assert.Contains("This export supersedes the export of snapshot 0001", mail.Html);
        Assert.Contains($"{(inWindow - tampered.Count).ToString("N0", CultureInfo.InvariantCulture)} orders of the earlier one are not in it", mail.Html);
        Assert.Contains("Underpaid", mail.Html);

        // The API says which rules apply now and why, and the correction in force.
        var impact = (ImpactEndpoint.ImpactJson)(await endpoint.GetAsync(down, default)).Body!;
        Assert.Equal(["price-tampering"], impact.Rules);
        Assert.Equal(("responder", "chosen by alice@shop.example"), (impact.Applied[0].SelectedBy, impact.Applied[0].Why));
        Assert.Equal(["price-tampering"], impact.Correction!.Chosen);
        Assert.Equal(["checkout-orders"], impact.Correction.Excluded);
        Assert.Equal(("0001", "alice@shop.example"), (impact.Latest!.Correction!.Supersedes, impact.Latest.Correction.By));
        Assert.Equal(tampered.Count, Assert.Single(impact.Latest.Applied).Orders);
    }

    [Fact]
    public async Task A_correction_naming_no_configured_rule_or_leaving_none_is_refused_and_nothing_is_stored()
    {
        await using var app = await TestApp.StartAsync(azurite, DemoSettings());
        var now = app.Time.GetUtcNow();
        await SeedAsync(app);
        var id = await PostAsync(app, TourAlert("Checkout down", now.AddMinutes(-5)));
        await RunOutboxAsync(app, id);
        var endpoint = app.Get<ImpactEndpoint>();

        async Task Refused(string body, int status, string field)
        {
            var result = await endpoint.CorrectRulesAsync(JsonRequest(body), Alice, id, default);
            Assert.Equal(status, result.StatusCode);
            Assert.Equal(field, ((ProblemBody)result.Body!).Field);
        }
        await Refused("""{"choose":["no-such-rule"]}""", 422, "choose");
        await Refused("""{"exclude":["checkout-orders"]}""", 422, "exclude");           // nothing would apply
        await Refused("""{"choose":["price-tampering"],"exclude":["price-tampering"]}""", 422, "exclude");
        await Refused("""{"choose":"price-tampering"}""", 422, "choose");
        await Refused("""{}""", 400, "choose");

        var details = (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;
        Assert.DoesNotContain(details.Timeline, t => t.Kind == TimelineKinds.ImpactRulesCorrected);
        Assert.False((await app.Get<IncidentStates>().ReadAsync<ImpactRulesState>(id, default)).Exists);
        Assert.Single(await SnapshotsAsync(app, id));
    }

    private static HttpRequest JsonRequest(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes);
        return context.Request;
    }
}
