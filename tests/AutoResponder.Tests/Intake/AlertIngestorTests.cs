using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.Intake;

[Collection(AzuriteCollection.Name)]
public sealed class AlertIngestorTests(AzuriteFixture azurite)
{
    internal static Alert Alert(string fingerprint, DateTimeOffset startsAt, Severity severity = Severity.Sev2, string? service = null,
        AlertStatus status = AlertStatus.Firing, string? dedupKey = null, string? rule = null) => new()
        {
            Source = "generic",
            SourceAlertId = fingerprint,
            Fingerprint = fingerprint,
            DedupKey = dedupKey,
            Title = $"Checkout errors {fingerprint}",
            Severity = severity,
            Status = status,
            StartsAt = startsAt,
            Service = service ?? $"svc-{fingerprint}",
            Rule = rule,
        };

    private static async Task<IncidentDetails> Details(TestApp app, string? id) =>
        (await app.Get<IncidentStore>().GetDetailsAsync(id!, default))!;

    [Fact]
    public async Task First_alert_opens_an_incident_and_redelivery_changes_nothing()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var alert = Alert("fp-1", app.Time.GetUtcNow());

        var first = await ingestor.IngestAsync(alert, default);
        var again = await ingestor.IngestAsync(alert, default);

        Assert.Equal(IngestOutcomes.Opened, first.Outcome);
        Assert.Matches("^INC-20261126-[0-9A-Z]{13}$", first.IncidentId);
        Assert.Equal((first.IncidentId, IngestOutcomes.Duplicate), (again.IncidentId, again.Outcome));
        var details = await Details(app, first.IncidentId);
        Assert.Equal(1, Assert.Single(details.Alerts).Occurrences);
        Assert.Equal([TimelineKinds.Opened], details.Timeline.Select(t => t.Kind));
        Assert.Equal(IncidentStatus.Open, details.Incident.Status);
    }

    [Fact]
    public async Task Redelivery_is_a_duplicate_even_from_another_instance_without_the_cache()
    {
        await using var one = await TestApp.StartAsync(azurite);
        await using var two = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { [StorageClients.PrefixSetting] = one.Prefix });
        var alert = Alert("fp-x", one.Time.GetUtcNow());

        var first = await one.Get<AlertIngestor>().IngestAsync(alert, default);
        var again = await two.Get<AlertIngestor>().IngestAsync(alert, default);

        Assert.Equal((first.IncidentId, IngestOutcomes.Duplicate), (again.IncidentId, again.Outcome));
        Assert.Equal(1, Assert.Single((await Details(one, first.IncidentId)).Alerts).Occurrences);
    }

    [Fact]
    public async Task Same_fingerprint_firing_again_appends_to_the_open_incident()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var start = app.Time.GetUtcNow();

        var first = await ingestor.IngestAsync(Alert("fp-2", start), default);
        app.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await ingestor.IngestAsync(Alert("fp-2", start.AddMinutes(5)), default);

        Assert.Equal((first.IncidentId, IngestOutcomes.Appended), (second.IncidentId, second.Outcome));
        var details = await Details(app, first.IncidentId);
        // A repeat is counted on the alert's row (newest occurrence, two firings), not as another timeline entry.
        var row = Assert.Single(details.Alerts);
        Assert.Equal((2, start.AddMinutes(5)), (row.Occurrences, row.StartsAt));
        Assert.Equal([TimelineKinds.Opened], details.Timeline.Select(t => t.Kind));
        Assert.Equal(app.Time.GetUtcNow(), details.Incident.LastAlertAt); // five minutes on: the repeat refreshed it
    }

    [Fact]
    public async Task A_sender_dedup_key_wins_over_the_fingerprint()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:Grouping:Enabled"] = "false" });
        var ingestor = app.Get<AlertIngestor>();
        var now = app.Time.GetUtcNow();

        var a = await ingestor.IngestAsync(Alert("fp-a", now, dedupKey: "checkout-down"), default);
        var b = await ingestor.IngestAsync(Alert("fp-b", now, dedupKey: "checkout-down"), default);
        var c = await ingestor.IngestAsync(Alert("fp-c", now), default);

        Assert.Equal(a.IncidentId, b.IncidentId);
        Assert.Equal(IngestOutcomes.Appended, b.Outcome);
        Assert.NotEqual(a.IncidentId, c.IncidentId);
        Assert.Equal(2, (await Details(app, a.IncidentId)).Alerts.Count);
    }

    [Fact]
    public async Task Alerts_sharing_service_and_rule_group_within_the_window_only()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:Grouping:WindowMinutes"] = "30" });
        var ingestor = app.Get<AlertIngestor>();
        var now = app.Time.GetUtcNow();

        var first = await ingestor.IngestAsync(Alert("pod-1", now, service: "checkout", rule: "HighLatency"), default);
        app.Time.Advance(TimeSpan.FromMinutes(10));
        var sameGroup = await ingestor.IngestAsync(Alert("pod-2", now.AddMinutes(10), service: "checkout", rule: "HighLatency"), default);
        var otherRule = await ingestor.IngestAsync(Alert("pod-3", now.AddMinutes(10), service: "checkout", rule: "ErrorRate"), default);
        app.Time.Advance(TimeSpan.FromMinutes(45));
        var afterWindow = await ingestor.IngestAsync(Alert("pod-4", now.AddMinutes(55), service: "checkout", rule: "HighLatency"), default);

        Assert.Equal((first.IncidentId, IngestOutcomes.Appended), (sameGroup.IncidentId, sameGroup.Outcome));
        Assert.NotEqual(first.IncidentId, otherRule.IncidentId);
        Assert.Equal(IngestOutcomes.Opened, afterWindow.Outcome);
        Assert.NotEqual(first.IncidentId, afterWindow.IncidentId);
        // pod-1 still belongs to its own open incident, whatever the group now points at
        var pod1Again = await ingestor.IngestAsync(Alert("pod-1", now.AddMinutes(56), service: "checkout", rule: "HighLatency"), default);
        Assert.Equal(first.IncidentId, pod1Again.IncidentId);
    }

    [Theory]
    [InlineData("Mitigate", IncidentStatus.Mitigated)]
    [InlineData("Resolve", IncidentStatus.Resolved)]
    [InlineData("None", IncidentStatus.Open)]
    public async Task When_every_alert_resolves_the_incident_follows_the_policy(string policy, IncidentStatus expected)
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:WhenAllAlertsResolved"] = policy });
        var ingestor = app.Get<AlertIngestor>();
        var now = app.Time.GetUtcNow();
        var opened = await ingestor.IngestAsync(Alert("db-1", now, service: "orders-db", rule: "Cpu"), default);
        await ingestor.IngestAsync(Alert("db-2", now, service: "orders-db", rule: "Cpu"), default);

        var firstResolved = await ingestor.IngestAsync(Alert("db-1", now, service: "orders-db", rule: "Cpu", status: AlertStatus.Resolved), default);
        Assert.Equal(IncidentStatus.Open, (await Details(app, opened.IncidentId)).Incident.Status); // db-2 still firing

        var lastResolved = await ingestor.IngestAsync(Alert("db-2", now, service: "orders-db", rule: "Cpu", status: AlertStatus.Resolved), default);

        Assert.Equal(IngestOutcomes.Resolved, firstResolved.Outcome);
        Assert.Equal((opened.IncidentId, IngestOutcomes.Resolved), (lastResolved.IncidentId, lastResolved.Outcome));
        var details = await Details(app, opened.IncidentId);
        Assert.Equal(expected, details.Incident.Status);
        Assert.All(details.Alerts, a => Assert.Equal("Resolved", a.StatusName));
    }

    [Fact]
    public async Task A_resolution_nobody_opened_is_ignored_and_stores_nothing()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var result = await app.Get<AlertIngestor>().IngestAsync(Alert("ghost", app.Time.GetUtcNow(), status: AlertStatus.Resolved), default);

        Assert.Equal((null, IngestOutcomes.Ignored), (result.IncidentId, result.Outcome));
        var rows = await app.Storage.IncidentTable.QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync();
        Assert.Empty(rows);
    }

    [Fact]
    public async Task Firing_after_resolution_reopens_within_the_window_and_opens_a_new_incident_after_it()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AutoResponder:WhenAllAlertsResolved"] = "Resolve",
            ["AutoResponder:ReopenWindowMinutes"] = "60",
        });
        var ingestor = app.Get<AlertIngestor>();
        var t0 = app.Time.GetUtcNow();
        var opened = await ingestor.IngestAsync(Alert("api-1", t0), default);
        await ingestor.IngestAsync(Alert("api-1", t0, status: AlertStatus.Resolved) with { EndsAt = t0.AddMinutes(1) }, default);

        app.Time.Advance(TimeSpan.FromMinutes(20));
        var reopened = await ingestor.IngestAsync(Alert("api-1", t0.AddMinutes(20)), default);
        Assert.Equal((opened.IncidentId, IngestOutcomes.Reopened), (reopened.IncidentId, reopened.Outcome));
        Assert.Equal(IncidentStatus.Open, (await Details(app, opened.IncidentId)).Incident.Status);

        await ingestor.IngestAsync(Alert("api-1", t0.AddMinutes(20), status: AlertStatus.Resolved) with { EndsAt = t0.AddMinutes(21) }, default);
        app.Time.Advance(TimeSpan.FromMinutes(90));
        var fresh = await ingestor.IngestAsync(Alert("api-1", t0.AddMinutes(110)), default);

        Assert.Equal(IngestOutcomes.Opened, fresh.Outcome);
        Assert.NotEqual(opened.IncidentId, fresh.IncidentId);
        Assert.Equal(IncidentStatus.Resolved, (await Details(app, opened.IncidentId)).Incident.Status); // never swallowed
    }

    [Fact]
    public async Task A_late_redelivery_of_a_firing_does_not_open_a_new_incident_after_resolution()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AutoResponder:WhenAllAlertsResolved"] = "Resolve",
            ["AutoResponder:ReopenWindowMinutes"] = "0",
        });
        var ingestor = app.Get<AlertIngestor>();
        var t0 = app.Time.GetUtcNow();
        var firing = Alert("late-1", t0);
        var opened = await ingestor.IngestAsync(firing, default);
        await ingestor.IngestAsync(firing with { Status = AlertStatus.Resolved, EndsAt = t0.AddMinutes(2) }, default);

        var late = await ingestor.IngestAsync(firing, default);

        Assert.Equal((opened.IncidentId, IngestOutcomes.Duplicate), (late.IncidentId, late.Outcome));
    }

    [Fact]
    public async Task A_worse_alert_raises_the_incident_severity()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var now = app.Time.GetUtcNow();
        var opened = await ingestor.IngestAsync(Alert("pay-1", now, Severity.Sev3), default);
        await ingestor.IngestAsync(Alert("pay-1", now.AddMinutes(1), Severity.Sev1), default);

        var details = await Details(app, opened.IncidentId);
        Assert.Equal(Severity.Sev1, details.Incident.Severity);
        Assert.Contains(details.Timeline, t => t.Kind == TimelineKinds.SeverityRaised);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sixty_four_concurrent_deliveries_of_a_new_fingerprint_open_exactly_one_incident(bool identicalPayloads)
    {
        // Two app instances over the same storage, as two Function instances would be.
        await using var one = await TestApp.StartAsync(azurite);
        await using var two = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { [StorageClients.PrefixSetting] = one.Prefix });
        var t0 = one.Time.GetUtcNow();

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
            (i % 2 == 0 ? one : two).Get<AlertIngestor>().IngestAsync(Alert("storm-1", identicalPayloads ? t0 : t0.AddSeconds(i)), default))));

        Assert.Single(results.Select(r => r.IncidentId).Distinct());
        Assert.Single(results, r => r.Outcome == IngestOutcomes.Opened);
        var expectedOther = identicalPayloads ? IngestOutcomes.Duplicate : IngestOutcomes.Appended;
        Assert.Equal(63, results.Count(r => r.Outcome == expectedOther));
        var details = await Details(one, results[0].IncidentId);
        Assert.Equal(identicalPayloads ? 1 : 64, Assert.Single(details.Alerts).Occurrences);
        var active = await one.Get<IncidentIndex>().ListAsync(IncidentIndex.ActivePartition, 100, default);
        Assert.Single(active);
    }
}
