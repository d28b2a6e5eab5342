using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.Intake;

/// <summary>
/// Another firing of an alert that is already firing (a repeat) is counted on the alert's row: the incident row and its
/// timeline stay as they are (so a storm of repeats costs one single-row write each), and the row also tells a redelivery
/// or a stale delivery from news.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AlertRepeatTests(AzuriteFixture azurite)
{
    private static Alert Alert(DateTimeOffset startsAt, AlertStatus status = AlertStatus.Firing, Severity severity = Severity.Sev2) =>
        AlertIngestorTests.Alert("repeat-1", startsAt, severity, status: status);

    [Fact]
    public async Task Repeats_within_a_minute_write_only_the_alert_row_and_count_every_occurrence()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var store = app.Get<IncidentStore>();
        var t0 = app.Time.GetUtcNow();
        var opened = await ingestor.IngestAsync(Alert(t0), default);
        var before = (await store.FindAsync(opened.IncidentId!, default))!;
        var requests = app.Storage.Requests.Operations();

        var repeats = new List<IngestResult>();
        for (var i = 1; i <= 10; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(5));
            repeats.Add(await ingestor.IngestAsync(Alert(t0.AddSeconds(5 * i)), default));
        }

        Assert.All(repeats, r => Assert.Equal((opened.IncidentId, IngestOutcomes.Appended), (r.IncidentId, r.Outcome)));
        var after = (await store.FindAsync(opened.IncidentId!, default))!;
        Assert.Equal(before.ETag, after.ETag); // 50 s of repeats: the incident row was not written
        var details = (await store.GetDetailsAsync(opened.IncidentId!, default))!;
        Assert.Equal([TimelineKinds.Opened], details.Timeline.Select(t => t.Kind));
        var row = Assert.Single(details.Alerts);
        Assert.Equal((11, t0.AddSeconds(50), app.Time.GetUtcNow()), (row.Occurrences, row.StartsAt, row.LastSeenAt));
        // One single-entity update per repeat (no transaction envelope, nothing else).
        var sent = app.Storage.Requests.Operations().Where(o => o.Value > requests.GetValueOrDefault(o.Key)).ToDictionary(o => o.Key, o => o.Value - requests.GetValueOrDefault(o.Key));
        Assert.Equal(10, Assert.Single(sent, o => o.Key.StartsWith("PUT ")).Value);
        Assert.DoesNotContain(sent, o => o.Key.Contains("$batch"));

        // A minute after the last refresh, a repeat refreshes the incident's last alert time (one incident row write).
        app.Time.Advance(TimeSpan.FromSeconds(15));
        await ingestor.IngestAsync(Alert(t0.AddMinutes(2)), default);
        after = (await store.FindAsync(opened.IncidentId!, default))!;
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Equal(app.Time.GetUtcNow(), after.LastAlertAt);
        Assert.Equal(12, Assert.Single((await store.GetDetailsAsync(opened.IncidentId!, default))!.Alerts).Occurrences);
    }

    [Fact]
    public async Task Redeliveries_and_stale_deliveries_change_nothing_and_a_late_older_firing_is_counted()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var store = app.Get<IncidentStore>();
        var t0 = app.Time.GetUtcNow();
        var id = (await ingestor.IngestAsync(Alert(t0), default)).IncidentId!;
        await ingestor.IngestAsync(Alert(t0.AddSeconds(30)), default);

        Assert.Equal(IngestOutcomes.Duplicate, (await ingestor.IngestAsync(Alert(t0.AddSeconds(30)), default)).Outcome); // the newest again
        Assert.Equal(IngestOutcomes.Duplicate, (await ingestor.IngestAsync(Alert(t0, AlertStatus.Resolved), default)).Outcome); // resolves an older occurrence
        Assert.Equal(IngestOutcomes.Appended, (await ingestor.IngestAsync(Alert(t0.AddSeconds(10)), default)).Outcome); // a late, older firing

        var row = Assert.Single((await store.GetDetailsAsync(id, default))!.Alerts);
        Assert.Equal((3, t0.AddSeconds(30), nameof(AlertStatus.Firing)), (row.Occurrences, row.StartsAt, row.StatusName));
        var incident = (await store.FindAsync(id, default))!;
        Assert.Equal((1, 1, IncidentStatus.Open), (incident.DistinctAlertCount, incident.FiringAlertCount, incident.Status));

        // The resolution of the newest occurrence resolves it; its redelivery and a stale firing are duplicates.
        Assert.Equal(IngestOutcomes.Resolved, (await ingestor.IngestAsync(Alert(t0.AddSeconds(30), AlertStatus.Resolved), default)).Outcome);
        Assert.Equal(IngestOutcomes.Duplicate, (await ingestor.IngestAsync(Alert(t0.AddSeconds(30), AlertStatus.Resolved), default)).Outcome);
        Assert.Equal(IngestOutcomes.Duplicate, (await ingestor.IngestAsync(Alert(t0.AddSeconds(30)), default)).Outcome);
        incident = (await store.FindAsync(id, default))!;
        Assert.Equal((1, 0), (incident.DistinctAlertCount, incident.FiringAlertCount));
    }

    [Fact]
    public async Task A_repeat_that_raises_the_severity_or_comes_after_mitigation_writes_the_incident()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var store = app.Get<IncidentStore>();
        var t0 = app.Time.GetUtcNow();
        var id = (await ingestor.IngestAsync(Alert(t0, severity: Severity.Sev3), default)).IncidentId!;

        await ingestor.IngestAsync(Alert(t0.AddSeconds(1), severity: Severity.Sev1), default);
        Assert.Equal(Severity.Sev1, (await store.FindAsync(id, default))!.Severity);

        await app.Get<IncidentService>().MitigateAsync(id, "rolled back", "ana", default);
        await ingestor.IngestAsync(Alert(t0.AddSeconds(2), severity: Severity.Sev1), default);

        var details = (await store.GetDetailsAsync(id, default))!;
        Assert.Equal(IncidentStatus.Open, details.Incident.Status);
        Assert.Equal(new[] { TimelineKinds.Opened, TimelineKinds.SeverityRaised, TimelineKinds.Mitigated, TimelineKinds.Reopened }.Order(),
            details.Timeline.Select(t => t.Kind).Order()); // one instant: the entries' order is not asserted
        Assert.Equal(3, Assert.Single(details.Alerts).Occurrences);
    }

    [Fact]
    public async Task Parallel_repeats_of_one_alert_on_two_instances_are_each_counted_once()
    {
        await using var one = await TestApp.StartAsync(azurite);
        await using var two = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { [AutoResponder.Storage.StorageClients.PrefixSetting] = one.Prefix });
        var t0 = one.Time.GetUtcNow();
        var id = (await one.Get<AlertIngestor>().IngestAsync(Alert(t0), default)).IncidentId!;
        await two.Get<AlertIngestor>().IngestAsync(Alert(t0.AddMilliseconds(1)), default); // both instances know the alert row

        var results = await Task.WhenAll(Enumerable.Range(2, 40).Select(i => Task.Run(() =>
            (i % 2 == 0 ? one : two).Get<AlertIngestor>().IngestAsync(Alert(t0.AddMilliseconds(i)), default))));

        Assert.All(results, r => Assert.Equal((id, IngestOutcomes.Appended), (r.IncidentId, r.Outcome)));
        var row = Assert.Single((await one.Get<IncidentStore>().GetDetailsAsync(id, default))!.Alerts);
        Assert.Equal((42, t0.AddMilliseconds(41)), (row.Occurrences, row.StartsAt));
    }
}
