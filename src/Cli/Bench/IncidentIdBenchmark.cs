using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AutoResponder.Cli.Serve;
using AutoResponder.Incidents;
using AutoResponder.Storage;
using Azure.Data.Tables;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// Opens many incidents in one day over HTTP against a standalone host on Azurite, twice in the same run: with the
/// real id source, and with a narrow one (suffixes drawn from a few thousand values, so a large share of the draws
/// collide). Every group sends two alerts; afterwards every alert row is checked against its incident's service —
/// misfiled alerts must be 0. Reports incidents opened per second for both and their ratio (the price of collisions).
/// </summary>
internal static class IncidentIdBenchmark
{
    private sealed record Result(int Opened, TimeSpan Elapsed, int Errors, int Incidents, int Alerts, int Misfiled,
        int Draws);

    public static async Task<int> RunAsync(int incidents, int suffixes, int concurrency, TextWriter output,
        CancellationToken ct)
    {
        var run = $"benchid{Guid.NewGuid():N}"[..11];
        output.WriteLine($"incident ids: {incidents} incidents in one day (two alerts each) at concurrency " +
            $"{concurrency}; narrow source: {suffixes} suffixes");
        await OpenAsync(run + "w", 200, null, concurrency, ct); // JIT, connections
        var wide = await OpenAsync(run + "r", incidents, null, concurrency, ct);
        var narrow = await OpenAsync(run + "n", incidents, suffixes, concurrency, ct);
        Report(output, "real ids", wide, incidents);
        Report(output, "narrow ids", narrow, incidents);
        output.WriteLine($"ratio narrow / real incidents opened per second: {Rate(narrow) / Rate(wide):F2}");
        var correct = new[] { wide, narrow }.All(r =>
            r.Errors == 0 && r.Incidents == incidents && r.Alerts == 2 * incidents && r.Misfiled == 0);
        output.WriteLine(correct
            ? "correct: every group one incident, every alert in its own group's incident, 0 misfiled"
            : "NOT CORRECT: see above");
        return correct ? 0 : 1;
    }

    private static double Rate(Result r) => r.Opened / r.Elapsed.TotalSeconds;

    private static void Report(TextWriter output, string name, Result r, int expected) =>
        output.WriteLine($"{name}: {r.Opened} opened in {r.Elapsed.TotalSeconds:F1} s = {Rate(r):F0} incidents/s; " +
            $"ids drawn {r.Draws} " +
                         $"({r.Draws - r.Incidents} taken, drawn again); incidents {r.Incidents} (expected " +
                         $"{expected}), alert rows {r.Alerts}, misfiled {r.Misfiled}, errors {r.Errors}");

    private static async Task<Result> OpenAsync(string prefix, int count, int? suffixes, int concurrency,
        CancellationToken ct)
    {
        var draws = 0;
        var random = new Random(1);
        string Suffix()
        {
            Interlocked.Increment(ref draws);
            if (suffixes is not { } n) return IncidentIds.RandomSuffix();
            lock (random) return random.Next(n).ToString("D" + IncidentIds.SuffixLength);
        }
        var url = $"http://127.0.0.1:{BenchRig.FreePort()}";
        var app = StandaloneHost.Build(
        [
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:AutoResponder=Error",
            $"--{StorageClients.PrefixSetting}={prefix}",
            "--AutoResponder:Teams:Enabled=false",
            "--AutoResponder:StatusEmails:Enabled=false",
            "--AutoResponder:Reminders:Enabled=false",
        ], url, services => services.AddSingleton(sp
            => new IncidentIds(sp.GetRequiredService<TimeProvider>(), Suffix)));
        var storage = app.Services.GetRequiredService<StorageClients>();
        try
        {
            await app.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var opened = 0;
            var errors = 0;
            var start = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            // Alert 2g and 2g+1 are group g (its own service); the two are sent apart, so groups interleave.
            await Parallel.ForEachAsync(Enumerable.Range(0, 2 * count)
                .Select(i => i < count ? 2 * i : 2 * (i - count) + 1),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
            {
                var body = JsonSerializer.Serialize(new
                {
                    title = $"Disk full ({prefix} alert {i})",
                    severity = "Sev3",
                    service = $"svc-{i / 2}",
                    rule = "disk",
                    dedupKey = $"{prefix}-{i}",
                    status = "firing",
                    startsAt = start,
                });
                using var response = await http.PostAsync("/api/alerts",
                    new StringContent(body, Encoding.UTF8, "application/json"), token);
                if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); return; }
                if ((await response.Content.ReadAsStringAsync(token)).Contains("\"opened\"", StringComparison.Ordinal))
                    Interlocked.Increment(ref opened);
            });
            var elapsed = clock.Elapsed;

            // Every alert row against its incident's service, read straight from the table.
            var service = new Dictionary<string, string?>(StringComparer.Ordinal);
            var alertServices = new List<(string Incident, string? Service)>();
            var alertsEnd = IncidentRows.End(IncidentRows.AlertPrefix);
            await foreach (var row in storage.IncidentTable.QueryAsync<TableEntity>(
                               r => r.RowKey == IncidentRows.Incident
                                   || (r.RowKey.CompareTo(IncidentRows.AlertPrefix) >= 0
                                   && r.RowKey.CompareTo(alertsEnd) < 0),
                               select: ["PartitionKey", "RowKey", "Service"], cancellationToken: ct))
                if (row.RowKey == IncidentRows.Incident) service[row.PartitionKey] = row.GetString("Service");
                else alertServices.Add((row.PartitionKey, row.GetString("Service")));
            var misfiled = alertServices.Count(a => !service.TryGetValue(a.Incident, out var s) || s != a.Service);
            return new Result(opened, elapsed, errors, service.Count, alertServices.Count, misfiled, draws);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            await BenchRig.DropPrefixAsync(storage, prefix);
        }
    }

}
