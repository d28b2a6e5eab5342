using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using AutoResponder.Alerts;
using AutoResponder.Cli.Serve;
using AutoResponder.Intake;
using Microsoft.Extensions.DependencyInjection;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// Sends an alert storm to a standalone host over real HTTP and measures raw Azurite single-entity
/// inserts at the same concurrency in the same run, so the result is a ratio that holds on any machine.
/// </summary>
public static class AlertStormBenchmark
{
    public static async Task<int> RunAsync(int alertCount, int fingerprints, int concurrency, TextWriter output, CancellationToken ct)
    {
        // Fresh tables for this run (Azurite slows down as a table grows, Azure does not), dropped at the end.
        var prefix = $"bench{Guid.NewGuid():N}"[..13];
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        configuration[StorageClients.PrefixSetting] = prefix;
        var storage = StorageClients.FromConfiguration(configuration);
        var graphFiles = Directory.CreateTempSubdirectory("autoresponder-bench-graph");

        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        await using var app = StandaloneHost.Build(
        [
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            "--Logging:LogLevel:AutoResponder=Warning",
            $"--{StorageClients.PrefixSetting}={prefix}",
            $"--AutoResponder:Graph:OutboxFolder={graphFiles.FullName}", // Teams posts and emails of the 50 incidents
            "--AutoResponder:Mail:ManagerRecipients:Default=managers@example.com",
        ], url);
        await app.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        output.WriteLine($"alert storm: {alertCount} alerts over {fingerprints} fingerprints at concurrency {concurrency}");
        await StormAsync(http, 200, fingerprints, concurrency, $"warmup-{Guid.NewGuid():N}", ct); // JIT, connections, tables
        await RawInsertsAsync(storage, 500, concurrency, ct);

        // Raw inserts before and after the storm: the machine's speed during the storm is bracketed.
        var rawBefore = await RawInsertsAsync(storage, Math.Max(2000, alertCount / 4), concurrency, ct);
        var run = $"storm-{Guid.NewGuid():N}";
        var (stats, outcomes, incidents) = await StormAsync(http, alertCount, fingerprints, concurrency, run, ct);
        var rawAfter = await RawInsertsAsync(storage, Math.Max(2000, alertCount / 4), concurrency, ct);
        var direct = await DirectAsync(app.Services.GetRequiredService<AlertIngestor>(), alertCount, fingerprints, concurrency, ct);
        var raw = (rawBefore.PerSecond + rawAfter.PerSecond) / 2;

        output.WriteLine($"raw Azurite single-entity insert: {raw:F0}/s (before {rawBefore.PerSecond:F0}/s p50 {rawBefore.P50Ms:F1} ms, after {rawAfter.PerSecond:F0}/s p50 {rawAfter.P50Ms:F1} ms)");
        output.WriteLine($"alerts over HTTP: {stats.PerSecond:F0}/s (p50 {stats.P50Ms:F1} ms, p99 {stats.P99Ms:F1} ms) in {stats.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"alerts in process (no HTTP, same ingest path): {direct.PerSecond:F0}/s (p50 {direct.P50Ms:F1} ms, p99 {direct.P99Ms:F1} ms)");
        output.WriteLine($"outcomes: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        output.WriteLine($"incidents opened: {incidents} (expected {fingerprints})");
        output.WriteLine($"ratio to raw Azurite inserts: {stats.PerSecond / raw:F2} (goal >= 0.33)");
        await app.StopAsync(ct);
        await foreach (var table in storage.Tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0, cancellationToken: ct))
            await storage.Tables.DeleteTableAsync(table.Name, ct);
        graphFiles.Delete(recursive: true);
        return incidents == fingerprints ? 0 : 1;
    }

    private static async Task<(LatencyStats Stats, Dictionary<string, int> Outcomes, int Incidents)> StormAsync(
        HttpClient http, int alertCount, int fingerprints, int concurrency, string run, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var opened = new ConcurrentDictionary<string, byte>();
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, alertCount), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var fingerprint = i % fingerprints;
            var body = JsonSerializer.Serialize(new
            {
                title = $"Checkout latency high ({run} #{fingerprint})",
                severity = "Sev2",
                service = $"{run}-svc-{fingerprint}",
                dedupKey = $"{run}-{fingerprint}",
                status = "firing",
                startsAt = start.AddMilliseconds(i),
            });
            var sent = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync("/api/alerts", new StringContent(body, Encoding.UTF8, "application/json"), token);
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(token));
            foreach (var result in json.RootElement.GetProperty("results").EnumerateArray())
            {
                var outcome = result.GetProperty("outcome").GetString()!;
                outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                if (outcome == "opened") opened.TryAdd(result.GetProperty("incidentId").GetString()!, 0);
            }
        });
        return (LatencyStats.From(latencies.ToList(), clock.Elapsed), new Dictionary<string, int>(outcomes), opened.Count);
    }

    private static async Task<LatencyStats> DirectAsync(AlertIngestor ingestor, int alertCount, int fingerprints, int concurrency, CancellationToken ct)
    {
        var run = $"direct-{Guid.NewGuid():N}";
        var start = DateTimeOffset.UtcNow;
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, alertCount), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var key = $"{run}-{i % fingerprints}";
            var sent = Stopwatch.GetTimestamp();
            await ingestor.IngestAsync(new Alert
            {
                Source = "generic", SourceAlertId = key, Fingerprint = key, Title = key, Severity = Severity.Sev2,
                Status = AlertStatus.Firing, StartsAt = start.AddMilliseconds(i), Service = key,
            }, token);
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        });
        return LatencyStats.From(latencies.ToList(), clock.Elapsed);
    }

    private static async Task<LatencyStats> RawInsertsAsync(StorageClients storage, int count, int concurrency, CancellationToken ct)
    {
        var table = storage.Table("BenchRawInserts");
        await table.CreateIfNotExistsAsync(ct);
        var latencies = new ConcurrentBag<double>();
        var run = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var sent = Stopwatch.GetTimestamp();
            await table.AddEntityAsync(new TableEntity($"{run}-{i % 50}", i.ToString("D8")) { ["Text"] = "raw insert", ["At"] = DateTimeOffset.UtcNow }, token);
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        });
        var stats = LatencyStats.From(latencies.ToList(), clock.Elapsed);
        await table.DeleteAsync(ct);
        return stats;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
