using AutoResponder.Alerts;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Alerts;

public class GenericAlertParserTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 14, 12, 30, 0, TimeSpan.Zero);
    private readonly GenericAlertParser _parser = new(new FakeTimeProvider(Now));

    private Alert Parse(string json) => Assert.Single(_parser.Parse(Samples.Parse(json)));

    [Fact]
    public void Full_form_maps_every_field()
    {
        var alert = Assert.Single(_parser.Parse(Samples.Load("Generic", "full.json")));

        Assert.Equal("generic", alert.Source);
        Assert.Equal("Payment provider timeouts", alert.Title);
        Assert.Equal(Severity.Sev2, alert.Severity);
        Assert.Equal("payments-api", alert.Service);
        Assert.Equal("payments-timeouts-2024-05-14", alert.DedupKey);
        Assert.Equal("payments-timeouts-2024-05-14", alert.Fingerprint);
        Assert.Equal("payments-timeouts-2024-05-14", alert.SourceAlertId);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(DateTimeOffset.Parse("2024-05-14T10:02:00Z"), alert.StartsAt);
        Assert.StartsWith("More than 2% of card authorisations", alert.Description);
        Assert.Equal("payments", alert.Labels["team"]);
        Assert.Equal("westeurope", alert.Labels["region"]);
        Assert.Equal(
            [new AlertLink("Dashboard", "https://grafana.example.com/d/payments"),
             new AlertLink("https://status.example-psp.com/incidents/8812", "https://status.example-psp.com/incidents/8812")],
            alert.Links);
    }

    [Fact]
    public void Minimal_form_uses_defaults_and_the_injected_clock()
    {
        var alert = Assert.Single(_parser.Parse(Samples.Load("Generic", "minimal.json")));

        Assert.Equal("Nightly order export did not run", alert.Title);
        Assert.Equal(Severity.Sev3, alert.Severity);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(Now, alert.StartsAt);
        Assert.Null(alert.DedupKey);
        Assert.Null(alert.Service);
        Assert.Empty(alert.Links);
        Assert.Matches("^[0-9a-f]{64}$", alert.Fingerprint);
    }

    [Fact]
    public void Fingerprint_without_dedupKey_is_a_normalised_hash_of_title_and_service()
    {
        var a = Parse("""{"title":"Disk full","service":"db"}""");
        var b = Parse("""{"title":"  DISK   full ","service":"DB","severity":"critical"}""");
        var otherService = Parse("""{"title":"Disk full","service":"web"}""");
        var noService = Parse("""{"title":"Disk full"}""");

        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, otherService.Fingerprint);
        Assert.NotEqual(a.Fingerprint, noService.Fingerprint);
    }

    [Theory]
    [InlineData("Sev0", Severity.Sev0)]
    [InlineData("sev4", Severity.Sev4)]
    [InlineData("critical", Severity.Sev1)]
    [InlineData("High", Severity.Sev2)]
    [InlineData("warning", Severity.Sev3)]
    [InlineData("info", Severity.Sev4)]
    public void Severity_maps(string value, Severity expected)
    {
        Assert.Equal(expected, Parse($$"""{"title":"t","severity":"{{value}}"}""").Severity);
    }

    [Fact]
    public void Resolved_status_and_end_time_are_read()
    {
        var alert = Parse("""{"title":"t","status":"resolved","startsAt":"2024-05-14T10:00:00+02:00","endsAt":"2024-05-14T09:00:00Z"}""");

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal(DateTimeOffset.Parse("2024-05-14T08:00:00Z"), alert.StartsAt);
        Assert.Equal(DateTimeOffset.Parse("2024-05-14T09:00:00Z"), alert.EndsAt);
    }

    [Fact]
    public void Missing_title_is_400()
    {
        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(Samples.Parse("""{"severity":"Sev2","service":"db"}""")));

        Assert.Equal((400, "title"), (error.Status, error.Field));
    }

    [Theory]
    [InlineData("""{"title":"t","severity":"Sev9"}""", "severity")]
    [InlineData("""{"title":"t","startsAt":"not a date"}""", "startsAt")]
    [InlineData("""{"title":"t","status":"open"}""", "status")]
    [InlineData("""{"title":42}""", "title")]
    [InlineData("""{"title":"t","labels":["a"]}""", "labels")]
    [InlineData("""{"title":"t","links":"https://x.example"}""", "links")]
    [InlineData("""{"title":"t","links":["ftp://x.example/file"]}""", "links[0]")]
    [InlineData("""{"title":"t","links":[{"title":"a","url":"https://ok.example"},{"title":"b","url":"not a url"}]}""", "links[1].url")]
    public void Invalid_value_is_422_naming_the_field(string json, string field)
    {
        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(Samples.Parse(json)));

        Assert.Equal((422, field), (error.Status, error.Field));
    }

    [Fact]
    public void CanParse_requires_title_and_rejects_other_formats()
    {
        Assert.True(_parser.CanParse(Samples.Parse("""{"title":"t"}""")));
        Assert.False(_parser.CanParse(Samples.Parse("""{"name":"t"}""")));
        Assert.False(_parser.CanParse(Samples.Load("Alertmanager", "grafana-webhook.json")));
    }
}
