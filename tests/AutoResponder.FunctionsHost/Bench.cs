using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AutoResponder.FunctionsHost;

/// <summary>
/// `bench`: the Function app through the real worker against the standalone host, in the same run, over the same
/// Azurite, both with the same settings and Graph in file mode (a Teams post is a file whose URL names the channel):
/// <list type="bullet">
/// <item>worker process start → first alert answered (202), and the same for `autoresponder serve` as a process;</item>
/// <item>alert → Teams request: from sending POST /api/alerts (a new incident each time) until the Teams root post
///   file naming the incident exists; the hosts take turns; median and p90 of each, and worker / standalone.</item>
/// </list>
/// The standalone host gets a storage prefix of its own (tables, containers and its outbox queue); the worker, as in
/// Azure, none.
/// </summary>
internal static class Bench
{
    public static async Task<int> RunAsync(Options options)
    {
        if (options.SettingsFiles.Count == 0) options.SettingsFiles.Add(Path.Combine(Options.RepoRoot(), "src", "Cli", "appsettings.Demo.json"));
        var settings = options.Settings();
        var workerGraph = Directory.CreateTempSubdirectory("bench-worker-graph-").FullName;
        var standaloneGraph = Directory.CreateTempSubdirectory("bench-serve-graph-").FullName;
        try
        {
            // Worker: process start → every function loaded → first alert answered.
            var watch = Stopwatch.StartNew();
            await using var app = await FunctionApp.StartAsync(new FunctionAppOptions
            {
                AppDirectory = options.AppDirectory,
                Settings = new Dictionary<string, string>(settings) { ["AutoResponder__Graph__OutboxFolder"] = workerGraph },
                PollQueues = true,
            });
            using var worker = app.NewClient(withKey: true);
            await PostAlertAsync(worker, $"bench-warmup-{Guid.NewGuid():N}");
            var workerFirstAlert = watch.Elapsed;

            // Standalone host: the same, as a process.
            var port = FreePort();
            watch.Restart();
            using var standalone = StartStandalone(options.Cli, settings, standaloneGraph, port);
            try
            {
                using var serve = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                while (true)
                {
                    if (standalone.HasExited) throw new InvalidOperationException($"autoresponder serve exited with {standalone.ExitCode}.");
                    try { await PostAlertAsync(serve, $"bench-warmup-{Guid.NewGuid():N}"); break; }
                    catch (HttpRequestException) { await Task.Delay(20); }
                }
                var standaloneFirstAlert = watch.Elapsed;

                Console.WriteLine($"worker:     process start → functions loaded {app.StartedIn.TotalMilliseconds:F0} ms, → first alert answered {workerFirstAlert.TotalMilliseconds:F0} ms");
                Console.WriteLine($"standalone: process start → first alert answered {standaloneFirstAlert.TotalMilliseconds:F0} ms");

                // Services unique to this run: an alert for an open incident of an earlier run would join it (no new Teams post).
                var run = Guid.NewGuid().ToString("N")[..6];
                var workerTimes = new List<double>();
                var serveTimes = new List<double>();
                for (var i = 0; i < options.Alerts; i++)
                {
                    workerTimes.Add(await AlertToTeamsAsync(worker, workerGraph, $"bench-{run}-w{i}"));
                    serveTimes.Add(await AlertToTeamsAsync(serve, standaloneGraph, $"bench-{run}-s{i}"));
                }
                double Median(List<double> t) => t.Order().ElementAt(t.Count / 2);
                double P90(List<double> t) => t.Order().ElementAt(Math.Min(t.Count - 1, (int)Math.Ceiling(t.Count * 0.9) - 1));
                Console.WriteLine($"alert → Teams request, {options.Alerts} incidents each (ms): worker median {Median(workerTimes):F0} p90 {P90(workerTimes):F0}; " +
                                  $"standalone median {Median(serveTimes):F0} p90 {P90(serveTimes):F0}");
                Console.WriteLine($"ratio worker / standalone (median): {Median(workerTimes) / Median(serveTimes):F2}");
            }
            finally
            {
                if (!standalone.HasExited) standalone.Kill(entireProcessTree: true);
                standalone.WaitForExit(5000);
            }
            return 0;
        }
        finally
        {
            Directory.Delete(workerGraph, true);
            Directory.Delete(standaloneGraph, true);
        }
    }

    private static async Task<string> PostAlertAsync(HttpClient client, string service)
    {
        using var content = new StringContent($$"""{"title":"Bench {{service}} down","severity":"Sev2","service":"{{service}}"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/api/alerts", content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"POST /api/alerts: {(int)response.StatusCode} {body}");
        return (string)JsonNode.Parse(body)!["results"]![0]!["incidentId"]!;
    }

    /// <summary>Milliseconds from sending the alert to the Teams root post (a file naming the incident) existing.</summary>
    private static async Task<double> AlertToTeamsAsync(HttpClient client, string graphFolder, string service)
    {
        var seen = Directory.GetFiles(graphFolder).ToHashSet();
        var watch = Stopwatch.StartNew();
        var id = await PostAlertAsync(client, service);
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            foreach (var file in Directory.GetFiles(graphFolder, "*.json").Where(f => !seen.Contains(f)))
            {
                var text = File.ReadAllText(file);
                var url = (string?)JsonNode.Parse(text)!["url"] ?? "";
                if (url.Contains("/channels/") && url.EndsWith("/messages") && text.Contains(id)) return watch.Elapsed.TotalMilliseconds;
                seen.Add(file);
            }
            await Task.Delay(5);
        }
        throw new TimeoutException($"No Teams post for {id} within 60 s.");
    }

    private static Process StartStandalone(string cli, IReadOnlyDictionary<string, string> settings, string graphFolder, int port)
    {
        if (!File.Exists(cli)) throw new FileNotFoundException($"The standalone host is not built: {cli} (dotnet build src/Cli -c Release).");
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { cli, "serve", "--urls", $"http://127.0.0.1:{port}" }, UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AutoResponder", StringComparison.OrdinalIgnoreCase)).ToList()) start.Environment.Remove(key);
        foreach (var (key, value) in settings) start.Environment[key] = value;
        start.Environment["AutoResponder__Graph__OutboxFolder"] = graphFolder;
        start.Environment["AutoResponder__StoragePrefix"] = "bench" + Guid.NewGuid().ToString("N")[..8];
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
