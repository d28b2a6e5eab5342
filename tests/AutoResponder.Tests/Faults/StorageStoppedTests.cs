using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Incidents;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AutoResponder.Tests.Faults;

/// <summary>
/// Storage stopped in the middle of an alert storm, over real HTTP: the standalone host over an Azurite that
/// persists to disk, which the test stops (the network to it cut, then Azurite itself shut down) and starts again
/// on the same ports with the same data while the storm goes on.
/// </summary>
[Collection(AzuriteCollection.Name)] // not for its Azurite: so it does not run beside the other storage-heavy tests
public sealed class StorageStoppedTests(ITestOutputHelper output)
{
    private const int Alerts = 1500;
    private const int Services = 15;

    private sealed record Reply(HttpStatusCode Status, string? RetryAfter, string? IncidentId, string? Outcome, TimeSpan Took);

    [Fact]
    public async Task Storage_stopped_mid_storm_every_accepted_alert_is_stored_and_every_other_got_503_with_retry_after()
    {
        await using var rig = await Rig.StartAsync(TimeSpan.FromSeconds(90));
        var (azurite, link, host, client) = (rig.Azurite, rig.Link, rig.Host, rig.Client);
        var run = Guid.NewGuid().ToString("N")[..8];

        var replies = new ConcurrentDictionary<int, List<Reply>>();
        var finished = 0;
        var unavailable = 0;
        var stopAfter = Alerts / 4;
        var outage = Task.CompletedTask;
        var outageStarted = new TaskCompletionSource();
        var storm = Parallel.ForEachAsync(Enumerable.Range(0, Alerts), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, ct) =>
        {
            var reply = await SendAsync(client, run, i, ct);
            replies.GetOrAdd(i, _ => []).Add(reply);
            if (reply.Status == HttpStatusCode.ServiceUnavailable) Interlocked.Increment(ref unavailable);
            if (Interlocked.Increment(ref finished) == stopAfter) outageStarted.TrySetResult();
        });

        // A quarter in: storage goes away. It stays away until senders have been told to retry (bounded: a host that
        // hangs instead of answering fails here), then comes back from disk on the same ports.
        await Task.WhenAny(outageStarted.Task, storm);
        Assert.False(storm.IsCompleted, "the storm outlived the moment storage was to be stopped");
        var acceptedBeforeOutage = replies.Values.Count(r => r.Any(x => x.Status == HttpStatusCode.Accepted));
        link.Cut();
        await azurite.StopAsync();
        var outageClock = Stopwatch.StartNew();
        while (Volatile.Read(ref unavailable) < 5 && outageClock.Elapsed < TimeSpan.FromSeconds(60) && !storm.IsCompleted)
            await Task.Delay(50); // the condition is the host's answers; the bound only stops a hanging host
        var firstAnswersDuringOutage = outageClock.Elapsed;
        await azurite.StartAsync();
        link.Restore();
        await storm;

        // Every answer was 202 or 503 with Retry-After; storage being away was felt, and answered, not hung on.
        var all = replies.Values.SelectMany(r => r).ToList();
        Assert.Equal(Alerts, replies.Count);
        var others = all.Where(r => r.Status is not (HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable)).ToList();
        Assert.True(others.Count == 0, $"answers other than 202/503: {string.Join(", ", others.Select(o => o.Status).Distinct())}");
        var rejected = all.Where(r => r.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(rejected.Count >= 5, $"only {rejected.Count} alerts were answered 503 while storage was stopped for {firstAnswersDuringOutage}");
        Assert.All(rejected, r => Assert.True(int.TryParse(r.RetryAfter, out var seconds) && seconds > 0, $"503 without a Retry-After ({r.RetryAfter})"));
        Assert.True(acceptedBeforeOutage >= stopAfter / 2, $"{acceptedBeforeOutage} accepted before the outage");
        var slowest = all.Max(r => r.Took);
        output.WriteLine($"{all.Count(r => r.Status == HttpStatusCode.Accepted)}x202 and {rejected.Count}x503 (Retry-After) of {Alerts}; " +
            $"{acceptedBeforeOutage} accepted before the outage; first 503s after {firstAnswersDuringOutage}; slowest answer {slowest}");
        Assert.True(slowest < TimeSpan.FromSeconds(45), $"an alert waited {slowest} for its answer");

        // What was accepted is there, in the incident the answer named, after storage restarted from disk.
        var stored = await StoredAlertsAsync(host.Storage);
        var accepted = replies.Where(r => r.Value.Any(x => x.Status == HttpStatusCode.Accepted)).ToList();
        var missing = accepted.Where(r => !stored.TryGetValue(Key(run, r.Key), out var incident)
            || r.Value.First(x => x.Status == HttpStatusCode.Accepted).IncidentId != incident).Select(r => r.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} accepted alert(s) are not stored where their answer said, e.g. #{string.Join(", #", missing.Take(5))}");

        // The senders retry what got a 503: each lands exactly once, and every incident's counts agree with its rows
        // (nothing half-stored by a commit that storage broke off).
        foreach (var i in replies.Where(r => r.Value.All(x => x.Status != HttpStatusCode.Accepted)).Select(r => r.Key))
        {
            Reply retry;
            var attempts = 0;
            do retry = await SendAsync(client, run, i, default);
            while (retry.Status == HttpStatusCode.ServiceUnavailable && ++attempts < 20);
            Assert.Equal(HttpStatusCode.Accepted, retry.Status);
            Assert.Contains(retry.Outcome, new[] { "opened", "appended", "duplicate" });
        }
        stored = await StoredAlertsAsync(host.Storage);
        Assert.Equal(Enumerable.Range(0, Alerts).Select(i => Key(run, i)).Order(), stored.Keys.Where(k => k.StartsWith($"storm-{run}-")).Order());
        var rows = stored.GroupBy(s => s.Value).ToDictionary(g => g.Key, g => g.Count());
        var store = host.Services.GetRequiredService<IncidentStore>();
        foreach (var (incidentId, alertRows) in rows)
        {
            var incident = (await store.FindAsync(incidentId, default))!;
            Assert.Equal((alertRows, alertRows), (incident.DistinctAlertCount, incident.FiringAlertCount));
        }
        output.WriteLine($"incidents: {rows.Count} for {Services} service groups");
        Assert.InRange(rows.Count, Services, Services * 2); // one incident per service group (a reopen race may add one)
        Assert.Equal(2, azurite.Starts);
    }

    [Fact]
    public async Task Storage_that_hangs_gets_alerts_a_503_with_retry_after_in_bounded_time_and_their_retries_land_once()
    {
        await using var rig = await Rig.StartAsync(TimeSpan.FromSeconds(120), "AutoResponder:IntakeTimeoutSeconds=4");
        var (link, host, client) = (rig.Link, rig.Host, rig.Client);
        var run = Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(client, run, 0, default)).Status);

        // Storage accepts connections and never answers: each delivery is told to come back, within the intake limit.
        link.Freeze();
        var frozen = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => SendAsync(client, run, i, default)));
        link.Thaw();

        Assert.All(frozen, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status));
        Assert.All(frozen, r => Assert.True(int.TryParse(r.RetryAfter, out var s) && s > 0, "503 without Retry-After"));
        Assert.All(frozen, r => Assert.True(r.Took < TimeSpan.FromSeconds(30), $"answered after {r.Took} (limit 4 s)"));

        // Storage answers again: the senders' retries land, each alert once (some were filed while their sender waited).
        for (var i = 1; i <= 8; i++)
        {
            Reply retry;
            var attempts = 0;
            do retry = await SendAsync(client, run, i, default);
            while (retry.Status == HttpStatusCode.ServiceUnavailable && ++attempts < 20);
            Assert.Equal(HttpStatusCode.Accepted, retry.Status);
        }
        var stored = await StoredAlertsAsync(host.Storage);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => Key(run, i)).Order(), stored.Keys.Where(k => k.StartsWith($"storm-{run}-")).Order());
        var store = host.Services.GetRequiredService<IncidentStore>();
        foreach (var group in stored.GroupBy(s => s.Value))
        {
            var incident = (await store.FindAsync(group.Key, default))!;
            Assert.Equal(group.Count(), incident.DistinctAlertCount);
        }
    }

    /// <summary>A disk-backed Azurite of the test's own, the link the host reaches it through, the host (background features off) and a client.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        public required DiskAzurite Azurite { get; init; }
        public required StorageLink Link { get; init; }
        public required RunningHost Host { get; init; }
        public required HttpClient Client { get; init; }

        public static async Task<Rig> StartAsync(TimeSpan clientTimeout, params string[] settings)
        {
            var azurite = new DiskAzurite();
            StorageLink? link = null;
            try
            {
                await azurite.StartAsync();
                link = new StorageLink(azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
                link.Restore();
                var host = await RunningHost.StartOverAsync(link.ConnectionString, null, null,
                [
                    "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false", "AutoResponder:Reminders:Enabled=false",
                    "AutoResponder:PriceGuard:Enabled=false", "AutoResponder:Watch:Enabled=false", .. settings,
                ]);
                return new Rig { Azurite = azurite, Link = link, Host = host, Client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = clientTimeout } };
            }
            catch
            {
                if (link is not null) await link.DisposeAsync();
                await azurite.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Host.DisposeAsync();
            await Link.DisposeAsync();
            await Azurite.DisposeAsync();
        }
    }

    private static string Key(string run, int i) => $"storm-{run}-{i}";

    private static async Task<Reply> SendAsync(HttpClient client, string run, int i, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["title"] = $"Disk almost full on node {i}",
            ["service"] = $"storage-{run}-{i % Services}",
            ["dedupKey"] = Key(run, i),
            ["severity"] = "Sev3",
        };
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/api/alerts", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        string? incidentId = null, outcome = null;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var result = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["results"]![0]!;
            incidentId = result["incidentId"]?.GetValue<string>();
            outcome = result["outcome"]?.GetValue<string>();
        }
        return new Reply(response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString("0"), incidentId, outcome, clock.Elapsed);
    }

    /// <summary>Every alert row in storage: fingerprint → incident (partition).</summary>
    private static async Task<Dictionary<string, string>> StoredAlertsAsync(StorageClients storage)
    {
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"RowKey ge {IncidentRows.AlertPrefix} and RowKey lt {IncidentRows.End(IncidentRows.AlertPrefix)}");
        await foreach (var row in storage.IncidentTable.QueryAsync<TableEntity>(filter, select: ["PartitionKey", nameof(AlertRecord.Fingerprint)]))
            Assert.True(stored.TryAdd(row.GetString(nameof(AlertRecord.Fingerprint)), row.PartitionKey), $"alert {row.GetString(nameof(AlertRecord.Fingerprint))} is stored twice");
        return stored;
    }
}
