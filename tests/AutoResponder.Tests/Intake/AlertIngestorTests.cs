using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.Intake;

[Collection(AzuriteCollection.Name)]
public sealed class AlertIngestorTests(AzuriteFixture azurite)
{
    internal static Alert Firing(string dedup, DateTimeOffset startsAt, Severity severity = Severity.Sev2, string? service = null, AlertStatus status = AlertStatus.Firing) => new()
    {
        Source = "generic",
        SourceAlertId = dedup,
        Fingerprint = dedup,
        Title = $"Checkout errors {dedup}",
        Severity = severity,
        Status = status,
        StartsAt = startsAt,
        Service = service ?? $"svc-{dedup}",
    };

    [Fact]
    public async Task First_alert_opens_an_incident_and_redelivery_changes_nothing()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var alert = Firing("fp-1", app.Time.GetUtcNow());

        var first = await ingestor.IngestAsync(alert, default);
        var again = await ingestor.IngestAsync(alert, default);

        Assert.Equal(IngestOutcomes.Opened, first.Outcome);
        Assert.Equal(IngestOutcomes.Duplicate, again.Outcome);
        Assert.Equal(first.IncidentId, again.IncidentId);
        var details = await app.Get<IncidentStore>().GetDetailsAsync(first.IncidentId!, default);
        Assert.Equal(1, details!.Incident.AlertCount);
        Assert.Single(details.Timeline);
    }
}
