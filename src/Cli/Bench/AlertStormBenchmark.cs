using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AutoResponder.Cli.Serve;
using AutoResponder.Incidents;
using AutoResponder.Storage;
using Azure.Data.Tables;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// Sends alert storms to a standalone host over real HTTP: spread over <c>fingerprints</c> incidents, and into a
/// single incident (one group, every alert distinct). Raw Azurite single-entity inserts at the same concurrency are
/// measured in the same run, so the results are ratios that hold on any machine. Storage transactions are counted
/// by a pipeline policy on the host's storage clients.
/// </summary>
internal static class AlertStormBenchmark
{
    private enum Mode { Spread, Single }

    private sealed record StormResult(LatencyStats Stats, Dictionary<string, int> Outcomes, int Errors,
        HashSet<string> Incidents, StorageRequestCounter.Counts Requests,
        Dictionary<string, long> Operations, double CpuMsPerAlert, Held? Held, double? RejectedCpuMs = null,
        double AllocatedKbPerAlert = 0, int Gen0 = 0, int Gen1 = 0, int Gen2 = 0);

    /// <summary>What the single storm's incident holds: its counts and its alert rows.</summary>
    private sealed record Held(int Distinct, int Firing, int Rows);

    public static async Task<int> RunAsync(int alertCount, int fingerprints, int concurrency, int roundCount,
        TextWriter output, CancellationToken ct)
    {
        // Every storm and every round of raw inserts gets tables of its own, dropped after it: Azurite slows down as a
        // table grows (it scans), Azure Table Storage does not, so no measurement pays for the rows of an earlier one.
        var run = $"bench{Guid.NewGuid():N}"[..11];
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        configuration[StorageClients.PrefixSetting] = run;
        var storage = StorageClients.FromConfiguration(configuration);
        var graphFiles = Directory.CreateTempSubdirectory("autoresponder-bench-graph");
        var storms = 0;
        Task<StormResult> Storm(Mode mode, int alerts, int incidents) =>
            StormOnFreshHostAsync(storage, $"{run}s{storms++:D3}", graphFiles.FullName, mode, alerts, incidents,
                concurrency, ct);

        output.WriteLine($"alert storm: {alertCount} alerts at concurrency {concurrency}, spread over {fingerprints} " +
            $"incidents and into a single incident");
        await Storm(Mode.Spread, 200, fingerprints); // JIT (once per process), connections
        await Storm(Mode.Single, 200, 1);
        await RawInsertsAsync(storage, 500, concurrency, ct);

        // Rounds of raw inserts, spread storm and single-incident storm, each round's ratios computed from its own
        // measurements, the median reported: a machine whose speed drifts (other work) affects all three alike.
        var rounds = new List<(double Raw, StormResult Spread, StormResult Single)>();
        var rawCpu = new List<double>();
        for (var round = 0; round < Math.Max(1, roundCount); round++)
        {
            var rawRound = await RawInsertsAsync(storage, Math.Max(1000, alertCount / 3), concurrency, ct);
            var spreadRound = await Storm(Mode.Spread, alertCount, fingerprints);
            var singleRound = await Storm(Mode.Single, alertCount, 1);
            rounds.Add((rawRound.Stats.PerSecond, spreadRound, singleRound));
            rawCpu.Add(rawRound.CpuMsPerInsert);
            output.WriteLine($"round {round + 1}: raw {rawRound.Stats.PerSecond:F0}/s, spread " +
                $"{spreadRound.Stats.PerSecond:F0}/s, single {singleRound.Stats.PerSecond:F0}/s");
        }
        var median = rounds.OrderBy(r => r.Single.Stats.PerSecond / r.Spread.Stats.PerSecond)
            .ElementAt(rounds.Count / 2);
        var (raw, spread, single) = median;
        var spreadToRawMedian = Median(rounds.Select(r => r.Spread.Stats.PerSecond / r.Raw));

        output.WriteLine($"median round by single/spread; raw Azurite single-entity insert in it: {raw:F0}/s");
        Report(output, "spread", spread, alertCount);
        output.WriteLine($"  incidents: {spread.Incidents.Count} (expected {fingerprints})");
        Report(output, "single", single, alertCount);
        var held = single.Held;
        output.WriteLine($"  incidents: {single.Incidents.Count} (expected 1); alerts it holds: {held?.Distinct ?? 0} counted, {held?.Rows ?? 0} rows, {held?.Firing ?? 0} firing (expected {alertCount})");
        var singleToSpread = single.Stats.PerSecond / spread.Stats.PerSecond;
        output.WriteLine($"ratio single-incident / spread: {singleToSpread:F2} (goal >= 1.0; per round {string.Join(", ", rounds.Select(r => (r.Single.Stats.PerSecond / r.Spread.Stats.PerSecond).ToString("F2")))})");
        output.WriteLine($"ratio spread / raw Azurite inserts: {spreadToRawMedian:F2} median (goal >= 0.5; per round " +
            $"{string.Join(", ", rounds.Select(r => (r.Spread.Stats.PerSecond / r.Raw).ToString("F2")))})");
        output.WriteLine($"ratio single-incident / raw Azurite inserts: {single.Stats.PerSecond / raw:F2}");
        output.WriteLine($"CPU of this process (host + benchmark client) per alert: spread " +
            $"{Median(rounds.Select(r => r.Spread.CpuMsPerAlert)):F2} ms, " +
                         $"single {Median(rounds.Select(r => r.Single.CpuMsPerAlert)):F2} ms; per raw insert (client " +
                         $"only): {Median(rawCpu):F2} ms; " +
                         $"per rejected alert (400, nothing stored: the HTTP round trip, both ends, parse and " +
                         $"problem details) {Median(rounds.Select(r => r.Spread.RejectedCpuMs ?? 0)):F2} ms");
        // What an alert cannot cost less than: its HTTP round trip and its storage requests, each at a raw insert's CPU.
        var spreadCpu = Median(rounds.Select(r => r.Spread.CpuMsPerAlert));
        var rawInsertCpu = Median(rawCpu);
        var http = Median(rounds.Select(r => r.Spread.RejectedCpuMs ?? 0));
        var requestsPerAlert = (double)spread.Requests.Total / alertCount;
        var floor = http + requestsPerAlert * rawInsertCpu;
        output.WriteLine($"intake CPU per spread alert / raw insert: {spreadCpu / rawInsertCpu:F2} (goal < 2); the " +
            $"floor of the HTTP round trip plus {requestsPerAlert:F2} storage requests at a raw insert's CPU: " +
            $"{floor:F2} ms ({floor / rawInsertCpu:F2}x), above it: {spreadCpu - floor:F2} ms");
        graphFiles.Delete(recursive: true);

        var correct = rounds.All(r =>
            r.Spread.Errors == 0 && r.Single.Errors == 0 && r.Spread.Incidents.Count == fingerprints
            && r.Single.Incidents.Count == 1 &&
                                      r.Single.Held == new Held(alertCount, alertCount, alertCount));
        output.WriteLine(correct
            ? "correct: 0 errors, every storm in the expected incidents, the single one holding every alert as its own row" : "NOT CORRECT: see errors and incident counts above");
        return correct ? 0 : 1;
    }

    /// <summary>
    /// One storm against a standalone host of its own, on tables of its own (<paramref name="prefix"/>): the host is
    /// started, stormed over HTTP, checked (the single incident's rows), left to finish its outbox work, stopped and
    /// its tables dropped.
    /// </summary>
    private static async Task<StormResult> StormOnFreshHostAsync(StorageClients storage, string prefix,
        string graphFolder, Mode mode, int alertCount,
        int fingerprints, int concurrency, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{BenchRig.FreePort()}";
        var app = StandaloneHost.Build(
        [
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            "--Logging:LogLevel:AutoResponder=Warning",
            $"--{StorageClients.PrefixSetting}={prefix}",
            $"--AutoResponder:Graph:OutboxFolder={graphFolder}", // Teams posts and emails of the incidents
            "--AutoResponder:Mail:ManagerRecipients:Default=managers@example.com",
        ], url);
        try
        {
            await app.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var result = await StormAsync(http, app.Services.GetRequiredService<StorageClients>(), mode, alertCount,
                fingerprints, concurrency, $"{mode}-{Guid.NewGuid():N}".ToLowerInvariant(), ct);
            if (mode == Mode.Single && result.Incidents.Count == 1)
            {
                var store = app.Services.GetRequiredService<IncidentStore>();
                var incident = await store.FindAsync(result.Incidents.First(), ct);
                var rows = (await store.ReadAlertStatesAsync(result.Incidents.First(), ct)).Count;
                result = result with { Held = new Held(incident?.DistinctAlertCount ?? 0, incident?.FiringAlertCount ?? 0, rows) };
            }
            await QuiesceAsync(app.Services, ct);
            if (mode == Mode.Spread) result = result with { RejectedCpuMs = await RejectedAsync(http, Math.Max(500, alertCount / 2), concurrency, ct) };
            return result;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            await BenchRig.DropPrefixAsync(storage, prefix);
        }
    }

    /// <summary>
    /// Lets the outbox finish what the last storm's incidents owe (Teams posts, emails), so the next storm's
    /// transactions are its own.
    /// </summary>
    private static async Task QuiesceAsync(IServiceProvider services, CancellationToken ct)
    {
        var index = services.GetRequiredService<IncidentIndex>();
        await services.GetRequiredService<AutoResponder.Outbox.OutboxSweeper>().SweepAsync(ct);
        for (var i = 0; i < 50 && (await index.ListAsync(IncidentIndex.OutboxPendingPartition, 1, ct)).Count > 0; i++)
            await Task.Delay(200, ct);
    }

    private static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);

    private static void Report(TextWriter output, string name, StormResult r, int alertCount)
    {
        output.WriteLine($"{name}: {r.Stats.PerSecond:F0} alerts/s over HTTP (p50 {r.Stats.P50Ms:F1} ms, p99 " +
            $"{r.Stats.P99Ms:F1} ms) in {r.Stats.Elapsed.TotalSeconds:F1} s; errors {r.Errors}");
        output.WriteLine($"  outcomes: " +
            $"{string.Join(", ", r.Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        output.WriteLine($"  allocated per alert (host + client): {r.AllocatedKbPerAlert:F1} KB; garbage collections " +
            $"gen0 {r.Gen0}, gen1 {r.Gen1}, gen2 {r.Gen2}");
        output.WriteLine($"  storage transactions per alert: {(double)r.Requests.Total / alertCount:F2} (tables {(double)r.Requests.Tables / alertCount:F2}, queues {(double)r.Requests.Queues / alertCount:F2}, blobs {(double)r.Requests.Blobs / alertCount:F2})");
        output.WriteLine($"  by operation (per alert): {string.Join(", ", r.Operations.OrderByDescending(o => o.Value).Take(8).Select(o => $"{o.Key} {(double)o.Value / alertCount:F2}"))}");
    }

    /// <summary>
    /// Spread: alert i belongs to incident i % <paramref name="fingerprints"/> (its own service and dedup key; repeats
    /// are new occurrences). Single: every alert is distinct (own dedup key) and all share one service, so grouping
    /// sends them to one incident.
    /// </summary>
    private static async Task<StormResult> StormAsync(
        HttpClient http, StorageClients hostStorage, Mode mode, int alertCount, int fingerprints, int concurrency,
        string run, CancellationToken ct)
    {
        var latencies = new ConcurrentBag<double>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var incidents = new ConcurrentDictionary<string, byte>();
        var errors = 0;
        var start = DateTimeOffset.UtcNow;
        var before = hostStorage.Requests.Snapshot();
        var operationsBefore = hostStorage.Requests.Operations();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, alertCount), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var key = mode == Mode.Spread ? i % fingerprints : i;
            var body = JsonSerializer.Serialize(new
            {
                title = mode == Mode.Spread
                    ? $"Checkout latency high ({run} #{key})" : $"Checkout pod not ready ({run} pod-{key})",
                severity = "Sev2",
                service = mode == Mode.Spread ? $"{run}-svc-{key}" : $"{run}-svc",
                dedupKey = $"{run}-{key}",
                status = "firing",
                startsAt = start.AddMilliseconds(i),
            });
            var sent = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync("/api/alerts",
                new StringContent(body, Encoding.UTF8, "application/json"), token);
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref errors);
                return;
            }
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(token));
            foreach (var result in json.RootElement.GetProperty("results").EnumerateArray())
            {
                outcomes.AddOrUpdate(result.GetProperty("outcome").GetString()!, 1, (_, n) => n + 1);
                if (result.GetProperty("incidentId").GetString() is { } id) incidents.TryAdd(id, 0);
            }
        });
        var elapsed = clock.Elapsed;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / alertCount;
        var requests = hostStorage.Requests.Snapshot() - before;
        var operations = hostStorage.Requests.Operations()
            .ToDictionary(o => o.Key, o => o.Value - operationsBefore.GetValueOrDefault(o.Key));
        return new StormResult(LatencyStats.From(latencies.ToList(), elapsed), new Dictionary<string, int>(outcomes),
            errors, incidents.Keys.ToHashSet(), requests,
            operations.Where(o => o.Value > 0).ToDictionary(), cpuMs, null,
            (GC.GetTotalAllocatedBytes() - allocated) / 1024.0 / alertCount, GC.CollectionCount(0) - gen0,
            GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
    }

    /// <summary>
    /// The HTTP part of an alert's cost: alerts the host rejects (a generic alert without its title: 400 problem
    /// details naming the field, nothing stored), CPU per request — client, Kestrel, routing, the access gate, parsing,
    /// the answer.
    /// </summary>
    private static async Task<double> RejectedAsync(HttpClient http, int count, int concurrency, CancellationToken ct)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var body = JsonSerializer.Serialize(new { severity = "Sev2", service = "bench-rejected", dedupKey = $"rejected-{i}", status = "firing" });
            using var response = await http.PostAsync("/api/alerts",
                new StringContent(body, Encoding.UTF8, "application/json"), token);
            if ((int)response.StatusCode != 400)
                throw new InvalidOperationException($"A generic alert without a title was answered " +
                    $"{(int)response.StatusCode}, not 400.");
            await response.Content.ReadAsStringAsync(token);
        });
        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / count;
    }

    private static async Task<(LatencyStats Stats, double CpuMsPerInsert)> RawInsertsAsync(StorageClients storage,
        int count, int concurrency, CancellationToken ct)
    {
        var table = storage.Table("BenchRawInserts");
        await table.CreateIfNotExistsAsync(ct);
        var latencies = new ConcurrentBag<double>();
        var run = Guid.NewGuid().ToString("N");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var sent = Stopwatch.GetTimestamp();
            await table.AddEntityAsync(new TableEntity($"{run}-{i % 50}", i.ToString("D8")) { ["Text"] = "raw insert", ["At"] = DateTimeOffset.UtcNow }, token);
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        });
        var stats = LatencyStats.From(latencies.ToList(), clock.Elapsed);
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / count;
        await table.DeleteAsync(ct);
        return (stats, cpuMs);
    }

}
