using AutoResponder.Alerts;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Alerts;

public class AlertPayloadParserTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 14, 12, 30, 0, TimeSpan.Zero);
    private readonly AlertPayloadParser _parser = new(new FakeTimeProvider(Now));

    [Theory]
    [InlineData("AzureMonitor", "metric-static.json", "azure-monitor", 1)]
    [InlineData("AzureMonitor", "activitylog-servicehealth.json", "azure-monitor", 1)]
    [InlineData("Alertmanager", "alertmanager-group.json", "alertmanager", 3)]
    [InlineData("Alertmanager", "grafana-webhook.json", "grafana", 2)]
    [InlineData("Generic", "full.json", "generic", 1)]
    [InlineData("Generic", "minimal.json", "generic", 1)]
    public void Routes_each_format_to_its_parser(string folder, string file, string source, int count)
    {
        var alerts = _parser.Parse(Samples.Load(folder, file));

        Assert.Equal(count, alerts.Count);
        Assert.All(alerts, a => Assert.Equal(source, a.Source));
    }

    [Fact]
    public void Generic_default_start_comes_from_the_injected_clock()
    {
        Assert.Equal(Now, Assert.Single(_parser.Parse(Samples.Parse("""{"title":"t"}"""))).StartsAt);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""[{"title":"t"}]""")]
    [InlineData("\"alert\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void Root_that_is_not_an_object_is_400(string json)
    {
        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(Samples.Parse(json)));

        Assert.Equal((400, "$"), (error.Status, error.Field));
    }

    [Theory]
    [InlineData("{}", "title")] // nothing of the other formats: the generic form lacks its one required field
    [InlineData("""{"message":"disk full","level":"error"}""", "title")]
    [InlineData("""{"title":null}""", "title")]
    [InlineData("""{"alerts":[]}""", "$")] // half an Alertmanager webhook: which format is meant is unclear
    public void Unrecognised_object_is_400_listing_the_accepted_formats(string json, string field)
    {
        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(Samples.Parse(json)));

        Assert.Equal((400, field), (error.Status, error.Field));
        Assert.Equal(
            "Unrecognised alert payload: expected the Azure Monitor common alert schema, an Alertmanager/Grafana webhook (version 4) or the generic form {title, severity, ...}",
            error.Message);
    }

    [Fact]
    public void Azure_payload_in_an_older_schema_is_400_naming_schemaId()
    {
        var payload = Samples.Parse("""
            {"schemaId":"AzureMonitorMetricAlert","data":{"version":"2.0","status":"Activated","context":{"name":"test-metricAlertRule"}}}
            """);

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload));

        Assert.Equal((400, "schemaId"), (error.Status, error.Field));
        Assert.Contains("useCommonAlertSchema", error.Message);
    }

    [Fact]
    public void Blank_generic_title_is_400_naming_title()
    {
        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(Samples.Parse("""{"title":"   ","severity":"Sev1"}""")));

        Assert.Equal((400, "title"), (error.Status, error.Field));
    }

    [Fact]
    public void Azure_payload_missing_essentials_is_400_through_the_entry_point()
    {
        var error = Assert.Throws<AlertPayloadException>(() =>
            _parser.Parse(Samples.Parse("""{"schemaId":"azureMonitorCommonAlertSchema","data":{}}""")));

        Assert.Equal((400, "data.essentials"), (error.Status, error.Field));
    }
}
