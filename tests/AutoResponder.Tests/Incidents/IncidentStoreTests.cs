using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;
using AutoResponder.Tests.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Incidents;

[Collection(AzuriteCollection.Name)]
public sealed class IncidentStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_failed_transaction_leaves_nothing_behind()
    {
        await using var app = await TestApp.StartAsync(azurite, configure: s => s.AddSingleton<IIncidentEffect, NotifyOnAcknowledge>());
        var opened = await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert("tx-1", app.Time.GetUtcNow()), default);
        var store = app.Get<IncidentStore>();
        var stale = (await store.FindAsync(opened.IncidentId!, default))!;
        await app.Get<IncidentService>().UpdateStatusAsync(stale.Id, "Investigating", null, null, "bob", default); // moves the ETag on

        var change = new IncidentChange(stale, isNew: false);
        IncidentLifecycle.Acknowledge(change, "alice", "alice", app.Time.GetUtcNow()); // owes a test.notify action
        await Assert.ThrowsAsync<IncidentConcurrencyException>(() => app.Get<IncidentCommits>().CommitAsync(change, default));

        var details = (await store.GetDetailsAsync(stale.Id, default))!;
        Assert.Null(details.Incident.Owner);
        Assert.DoesNotContain(details.Timeline, t => t.Kind == TimelineKinds.Acknowledged);
        Assert.Empty(details.Actions);
    }

    [Fact]
    public async Task Opening_an_incident_that_exists_stores_none_of_the_second_opening()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var alert = AlertIngestorTests.Alert("tx-2", app.Time.GetUtcNow());
        var keys = AlertKeys.For(alert, new());
        var store = app.Get<IncidentStore>();
        await app.Get<IncidentCommits>().CommitAsync(IncidentLifecycle.Open("INC-20261126-AAAA", alert, keys, app.Time.GetUtcNow()), default);

        var second = IncidentLifecycle.Open("INC-20261126-AAAA", alert with { Title = "Other" }, keys with { Alert = "other" }, app.Time.GetUtcNow());
        await Assert.ThrowsAsync<IncidentConcurrencyException>(() => app.Get<IncidentCommits>().CommitAsync(second, default));

        var details = (await store.GetDetailsAsync("INC-20261126-AAAA", default))!;
        Assert.Equal("Checkout errors tx-2", details.Incident.Title);
        Assert.Single(details.Timeline);
    }
}
