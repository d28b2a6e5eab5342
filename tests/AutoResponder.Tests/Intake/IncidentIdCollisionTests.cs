using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Intake;

/// <summary>
/// Nothing misfiled: an id that is taken draws again, and an alert joins only an incident of its own group. Collisions
/// are forced with a narrow id source (the real one has 65 random bits a day).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class IncidentIdCollisionTests(AzuriteFixture azurite)
{
    /// <summary>An id source that hands out the given suffixes in order (then fresh random ones).</summary>
    internal static Action<IServiceCollection> Suffixes(params string[] suffixes)
    {
        var queue = new System.Collections.Concurrent.ConcurrentQueue<string>(suffixes);
        return services => services.AddSingleton(sp => new IncidentIds(sp.GetRequiredService<TimeProvider>(),
            () => queue.TryDequeue(out var next) ? next : IncidentIds.RandomSuffix()));
    }

    private const string Taken = "AAAAAAAAAAAAA";
    private const string Fresh = "BBBBBBBBBBBBB";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_taken_id_draws_again_and_the_alert_opens_its_own_groups_incident(bool grouping)
    {
        await using var app = await TestApp.StartAsync(azurite,
            new Dictionary<string, string?> { ["AutoResponder:Grouping:Enabled"] = grouping.ToString() },
            Suffixes(Taken, Taken, Fresh)); // the second incident draws the first one's id
        var ingestor = app.Get<AlertIngestor>();
        var store = app.Get<IncidentStore>();
        var now = app.Time.GetUtcNow();

        var checkout = await ingestor.IngestAsync(AlertIngestorTests.Alert("fp-checkout", now, service: "checkout", rule: "K3"), default);
        var search = await ingestor.IngestAsync(AlertIngestorTests.Alert("fp-search", now, service: "search", rule: "latency"), default);

        Assert.Equal(("INC-20261126-" + Taken, IngestOutcomes.Opened), (checkout.IncidentId, checkout.Outcome));
        Assert.Equal(("INC-20261126-" + Fresh, IngestOutcomes.Opened), (search.IncidentId, search.Outcome));
        var first = (await store.GetDetailsAsync(checkout.IncidentId!, default))!;
        var second = (await store.GetDetailsAsync(search.IncidentId!, default))!;
        Assert.Equal(["fp-checkout"], first.Alerts.Select(a => a.Fingerprint));
        Assert.Equal(["fp-search"], second.Alerts.Select(a => a.Fingerprint));
        Assert.Equal(("checkout", 1), (first.Incident.Service, first.Incident.DistinctAlertCount));
        Assert.Equal(("search", 1), (second.Incident.Service, second.Incident.DistinctAlertCount));

        // The search alert's next firing follows its pointers to its own incident, not to the id it first drew.
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var again = await ingestor.IngestAsync(AlertIngestorTests.Alert("fp-search", now.AddMinutes(1), service: "search", rule: "latency"), default);
        Assert.Equal(search.IncidentId, again.IncidentId);
    }

    [Fact]
    public async Task An_append_to_another_groups_incident_is_refused()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var ingestor = app.Get<AlertIngestor>();
        var committer = app.Get<AlertCommitter>();
        var settings = app.Get<Microsoft.Extensions.Options.IOptions<AutoResponderOptions>>().Value;
        var now = app.Time.GetUtcNow();
        var checkout = await ingestor.IngestAsync(AlertIngestorTests.Alert("fp-checkout", now, service: "checkout", rule: "K3"), default);

        var stranger = AlertIngestorTests.Alert("fp-fzam5", now, service: "fzam5", rule: "disk");
        foreach (var mayCreate in new[] { true, false })
        {
            var filed = await committer.SubmitAsync(checkout.IncidentId!, stranger, AlertKeys.For(stranger, settings.Grouping), mayCreate, default);
            Assert.Equal(FiledAs.Reroute, filed.As);
        }

        var details = (await app.Get<IncidentStore>().GetDetailsAsync(checkout.IncidentId!, default))!;
        Assert.Equal(["fp-checkout"], details.Alerts.Select(a => a.Fingerprint));
        Assert.Equal(1, details.Incident.DistinctAlertCount);
    }

    [Fact]
    public async Task Five_hundred_incidents_from_a_narrow_id_source_file_every_alert_in_its_own_groups_incident()
    {
        // 500 groups of two alerts; suffixes drawn from only 1,000 values, so about a fifth of the draws collide.
        var random = new Random(7);
        await using var app = await TestApp.StartAsync(azurite, null, services => services.AddSingleton(sp =>
            new IncidentIds(sp.GetRequiredService<TimeProvider>(), () => { lock (random) return random.Next(1000).ToString("D13"); })));
        var ingestor = app.Get<AlertIngestor>();
        var store = app.Get<IncidentStore>();
        var now = app.Time.GetUtcNow();

        var alerts = Enumerable.Range(0, 500).SelectMany(g => new[]
        {
            AlertIngestorTests.Alert($"g{g}-a", now, service: $"svc{g}", rule: "r"),
            AlertIngestorTests.Alert($"g{g}-b", now, service: $"svc{g}", rule: "r"),
        }).ToList();
        var results = await ingestor.IngestAsync(alerts, default);

        var byIncident = results.Zip(alerts).GroupBy(r => r.First.IncidentId!).ToList();
        Assert.Equal(500, byIncident.Count);
        var misfiled = 0;
        foreach (var incident in byIncident)
        {
            var details = (await store.GetDetailsAsync(incident.Key, default))!;
            misfiled += details.Alerts.Count(a => a.Service != details.Incident.Service);
            Assert.Equal(2, details.Alerts.Count);
        }
        Assert.Equal(0, misfiled);
    }
}
