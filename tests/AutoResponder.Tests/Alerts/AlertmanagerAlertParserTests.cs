using System.Text.Json.Nodes;
using AutoResponder.Alerts;

namespace AutoResponder.Tests.Alerts;

public class AlertmanagerAlertParserTests
{
    private readonly AlertmanagerAlertParser _parser = new();

    private IReadOnlyList<Alert> ParseSample(string file) => _parser.Parse(Samples.Load("Alertmanager", file + ".json"));

    [Fact]
    public void Alertmanager_group_gives_one_alert_per_element()
    {
        var alerts = ParseSample("alertmanager-group");

        Assert.Equal(3, alerts.Count);
        Assert.All(alerts, a => Assert.Equal("alertmanager", a.Source));
        Assert.Equal(["5c1e3a1f9b8d7e60", "a09f27c4d1e35b82", "e7b3c5a8f0d2196e"], alerts.Select(a => a.Fingerprint));
        Assert.Equal(alerts.Select(a => a.Fingerprint), alerts.Select(a => a.SourceAlertId));
    }

    [Fact]
    public void Firing_alert_with_summary_and_service_label()
    {
        var alert = ParseSample("alertmanager-group")[0];

        Assert.Equal("Checkout API error rate above 5%", alert.Title);
        Assert.Equal("5xx ratio is 12.4% on 10.0.4.17:8080 over the last 5 minutes.", alert.Description);
        Assert.Equal("CheckoutHighErrorRate", alert.Rule);
        Assert.Equal("checkout", alert.Service);
        Assert.Equal(Severity.Sev1, alert.Severity);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(DateTimeOffset.Parse("2024-05-14T09:12:03.418Z"), alert.StartsAt);
        Assert.Null(alert.EndsAt);
        Assert.Null(alert.DedupKey);
        Assert.Equal("10.0.4.17:8080", alert.Labels["instance"]);
        Assert.Equal(["Source", "Runbook"], alert.Links.Select(l => l.Title));
        Assert.Equal("https://runbooks.example.com/checkout/high-error-rate", alert.Links[1].Url);
    }

    [Fact]
    public void Alert_without_summary_uses_alertname_job_and_dedup_key_label()
    {
        var alert = ParseSample("alertmanager-group")[1];

        Assert.Equal("CheckoutHighErrorRate", alert.Title);
        Assert.Equal("checkout-api", alert.Service);
        Assert.Equal(Severity.Sev3, alert.Severity);
        Assert.Equal("checkout-errors", alert.DedupKey);
        Assert.Equal("checkout-errors", alert.DeduplicationKey);
    }

    [Fact]
    public void Resolved_alert_keeps_its_end_time()
    {
        var alert = ParseSample("alertmanager-group")[2];

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal(DateTimeOffset.Parse("2024-05-14T09:06:48Z"), alert.EndsAt);
    }

    [Fact]
    public void Firing_alert_ignores_a_provisional_endsAt()
    {
        var payload = Samples.Node("Alertmanager", "alertmanager-group.json");
        Alert(payload, 0)["endsAt"] = "2024-05-14T09:20:03Z";

        Assert.Null(_parser.Parse(payload.ToElement())[0].EndsAt);
    }

    [Fact]
    public void Grafana_webhook_is_recognised_and_uses_its_extra_fields()
    {
        var alerts = ParseSample("grafana-webhook");

        Assert.Equal(2, alerts.Count);
        Assert.All(alerts, a => Assert.Equal("grafana", a.Source));
        var first = alerts[0];
        Assert.Equal("c6eadffa33fcdf37", first.Fingerprint);
        Assert.Equal("This alert was triggered for zone us-1", first.Title);
        Assert.Equal("High memory usage", first.Rule);
        Assert.Equal(Severity.Sev3, first.Severity); // no severity label
        Assert.Null(first.Service);
        Assert.Equal(DateTimeOffset.Parse("2021-10-12T07:51:03.157076Z"), first.StartsAt);
        // Empty dashboardURL/panelURL are skipped.
        Assert.Equal(["Source", "Runbook", "Silence"], first.Links.Select(l => l.Title));
        Assert.StartsWith("https://play.grafana.org/alerting/silence/new", first.Links[2].Url);
    }

    [Fact]
    public void Grafana_dashboard_and_panel_urls_become_links()
    {
        var payload = Samples.Node("Alertmanager", "grafana-webhook.json");
        Alert(payload, 0)["dashboardURL"] = "https://play.grafana.org/d/abc";
        Alert(payload, 0)["panelURL"] = "https://play.grafana.org/d/abc?viewPanel=2";

        var links = _parser.Parse(payload.ToElement())[0].Links;

        Assert.Equal(["Source", "Runbook", "Dashboard", "Panel", "Silence"], links.Select(l => l.Title));
    }

    [Fact]
    public void Missing_fingerprint_hashes_the_labels_independent_of_order()
    {
        var a = ParseOne("""{"alertname":"DiskFull","instance":"db-1","severity":"warning"}""");
        var b = ParseOne("""{"severity":"warning","instance":"db-1","alertname":"DiskFull"}""");
        var c = ParseOne("""{"alertname":"DiskFull","instance":"db-2","severity":"warning"}""");

        Assert.Matches("^[0-9a-f]{64}$", a.Fingerprint);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.Equal(a.Fingerprint, a.SourceAlertId);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
    }

    [Theory]
    [InlineData("critical", Severity.Sev1)]
    [InlineData("error", Severity.Sev2)]
    [InlineData("HIGH", Severity.Sev2)]
    [InlineData("major", Severity.Sev2)]
    [InlineData("warning", Severity.Sev3)]
    [InlineData("warn", Severity.Sev3)]
    [InlineData("minor", Severity.Sev3)]
    [InlineData("info", Severity.Sev4)]
    [InlineData("low", Severity.Sev4)]
    [InlineData("none", Severity.Sev4)]
    [InlineData("sev0", Severity.Sev0)]
    [InlineData("Sev2", Severity.Sev2)]
    [InlineData("P1", Severity.Sev0)]
    [InlineData("p3", Severity.Sev2)]
    [InlineData("p5", Severity.Sev4)]
    public void Severity_label_maps_to_severity(string label, Severity expected)
    {
        Assert.Equal(expected, ParseOne($$"""{"alertname":"X","severity":"{{label}}"}""").Severity);
    }

    [Fact]
    public void Missing_severity_label_defaults_to_sev3()
    {
        Assert.Equal(Severity.Sev3, ParseOne("""{"alertname":"X"}""").Severity);
    }

    [Fact]
    public void Unknown_severity_label_is_422_naming_the_label()
    {
        var payload = Samples.Node("Alertmanager", "alertmanager-group.json");
        Alert(payload, 2)["labels"]!["severity"] = "catastrophic";

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal((422, "alerts[2].labels.severity"), (error.Status, error.Field));
    }

    [Fact]
    public void Missing_startsAt_is_400_naming_the_alert()
    {
        var payload = Samples.Node("Alertmanager", "alertmanager-group.json");
        Alert(payload, 1).Remove("startsAt");

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal((400, "alerts[1].startsAt"), (error.Status, error.Field));
    }

    [Fact]
    public void StartsAt_that_is_not_a_date_is_422()
    {
        var payload = Samples.Node("Alertmanager", "alertmanager-group.json");
        Alert(payload, 0)["startsAt"] = "a while ago";

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal((422, "alerts[0].startsAt"), (error.Status, error.Field));
    }

    [Fact]
    public void Unknown_status_is_422_naming_the_alert()
    {
        var payload = Samples.Node("Alertmanager", "alertmanager-group.json");
        Alert(payload, 0)["status"] = "pending";

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal((422, "alerts[0].status"), (error.Status, error.Field));
    }

    [Fact]
    public void Alert_status_falls_back_to_the_group_status()
    {
        var payload = Samples.Node("Alertmanager", "alertmanager-group.json");
        Alert(payload, 0).Remove("status");
        payload["status"] = "resolved";

        Assert.Equal(AlertStatus.Resolved, _parser.Parse(payload.ToElement())[0].Status);
    }

    private Alert ParseOne(string labelsJson) => Assert.Single(_parser.Parse(Samples.Parse($$"""
        {"version":"4","groupKey":"{}:{}","status":"firing","receiver":"r",
         "alerts":[{"status":"firing","labels":{{labelsJson}},"annotations":{},"startsAt":"2024-05-14T10:00:00Z"}]}
        """)));

    private static JsonObject Alert(JsonObject payload, int index) => payload["alerts"]![index]!.AsObject();
}
