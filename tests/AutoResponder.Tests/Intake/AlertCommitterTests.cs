using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace AutoResponder.Tests.Intake;

[Collection(AzuriteCollection.Name)]
public sealed class AlertCommitterTests(AzuriteFixture azurite)
{
    private static (Alert, AlertKeys) Distinct(TestApp app, int i, AlertStatus status = AlertStatus.Firing)
    {
        var alert = AlertIngestorTests.Alert($"pod-{i}", app.Time.GetUtcNow(), service: "checkout", status: status);
        return (alert, AlertKeys.For(alert, app.Get<IOptions<AutoResponderOptions>>().Value.Grouping));
    }

    [Fact]
    public async Task Alerts_waiting_for_one_incident_are_written_together_split_at_the_transaction_limit()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var committer = app.Get<AlertCommitter>();
        var id = app.Get<IncidentIds>().Next();
        var (first, firstKeys) = Distinct(app, 0);
        Assert.Equal(IngestOutcomes.Opened, (await committer.SubmitAsync(id, first, firstKeys, mayCreate: true, default)).Outcome);

        // Hold the incident's lock while 250 alerts queue up behind it (each enqueues before it waits), as a storm does behind a slow commit.
        var held = await app.Get<IncidentLocks>().AcquireAsync(id, default);
        var before = app.Storage.Requests.Snapshot();
        var waiting = Enumerable.Range(1, 250).Select(i => { var (a, k) = Distinct(app, i); return committer.SubmitAsync(id, a, k, mayCreate: false, default); }).ToList();
        held.Dispose();
        var filed = await Task.WhenAll(waiting);

        Assert.All(filed, f => Assert.Equal((FiledAs.Recorded, IngestOutcomes.Appended), (f.As, f.Outcome)));
        var transactions = (app.Storage.Requests.Snapshot() - before).Tables;
        // Each alert writes its row and a timeline entry (2 operations): 250 alerts need at least 6
        // transactions of ≤ 100 operations; written one by one they would be 250.
        Assert.InRange(transactions, 6, 20);
        var incident = (await app.Get<IncidentStore>().FindAsync(id, default))!;
        Assert.Equal((251, 251), (incident.DistinctAlertCount, incident.FiringAlertCount));
        Assert.Equal(251, (await app.Get<IncidentStore>().ReadAlertStatesAsync(id, default)).Count);
    }

    [Fact]
    public async Task A_repeated_occurrence_in_one_batch_or_already_stored_is_a_duplicate_and_the_rest_commit()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var committer = app.Get<AlertCommitter>();
        var id = app.Get<IncidentIds>().Next();
        var (a0, k0) = Distinct(app, 0);
        var (a1, k1) = Distinct(app, 1);
        await committer.SubmitAsync(id, a0, k0, mayCreate: true, default);
        await committer.SubmitAsync(id, a1, k1, mayCreate: false, default);

        var held = await app.Get<IncidentLocks>().AcquireAsync(id, default);
        var (a2, k2) = Distinct(app, 2);
        var waiting = new[]
        {
            committer.SubmitAsync(id, a1, k1, mayCreate: false, default), // stored before
            committer.SubmitAsync(id, a2, k2, mayCreate: false, default),
            committer.SubmitAsync(id, a2, k2, mayCreate: false, default), // the same delivery twice in one batch
        };
        held.Dispose();
        var filed = await Task.WhenAll(waiting);

        Assert.Equal([FiledAs.Duplicate, FiledAs.Recorded, FiledAs.Duplicate], filed.Select(f => f.As));
        var incident = (await app.Get<IncidentStore>().FindAsync(id, default))!;
        Assert.Equal((3, 3), (incident.DistinctAlertCount, incident.FiringAlertCount));
    }

    [Fact]
    public async Task Counts_follow_resolutions_and_a_closed_incident_sends_alerts_back_to_routing()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:WhenAllAlertsResolved"] = "Resolve" });
        var committer = app.Get<AlertCommitter>();
        var id = app.Get<IncidentIds>().Next();
        for (var i = 0; i < 3; i++) { var (a, k) = Distinct(app, i); await committer.SubmitAsync(id, a, k, mayCreate: i == 0, default); }
        for (var i = 0; i < 3; i++) { var (a, k) = Distinct(app, i, AlertStatus.Resolved); await committer.SubmitAsync(id, a, k, mayCreate: false, default); }

        var incident = (await app.Get<IncidentStore>().FindAsync(id, default))!;
        Assert.Equal((3, 0, 3, IncidentStatus.Resolved), (incident.DistinctAlertCount, incident.FiringAlertCount, incident.ResolvedAlertCount, incident.Status));

        await app.Get<IncidentService>().CloseAsync(id, null, "ana", default);
        var (late, lateKeys) = Distinct(app, 9);
        Assert.Equal(FiledAs.Reroute, (await committer.SubmitAsync(id, late, lateKeys, mayCreate: false, default)).As);
    }
}
