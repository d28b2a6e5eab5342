using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AutoResponder.Cli.Serve;
using AutoResponder.Graph;
using AutoResponder.Incidents;
using AutoResponder.Storage;
using AutoResponder.Teams;
using Microsoft.Extensions.Options;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// Alert → first notice while a storm is announced. One standalone host on Azurite, Graph in file mode with every Teams
/// request timed on its way out. After a warm-up in a channel of its own (discarded), probe incidents (alternately Sev1
/// and Sev2) are opened first on an idle host — spaced so that they alone never exceed the storm threshold, so each
/// gets its own post as on any quiet day — and then, one every <c>interval</c>, while a storm opens <c>incidents</c>
/// Sev2 incidents of <c>alertsPerIncident</c> alerts each; a probe's first notice is the first Teams request that names
/// it (its root post, or the storm digest listing it). Also reported: p50/p99 per severity, Teams requests per channel
/// per minute (and per second) against the configured limits, whether every incident was announced exactly once (own
/// post or digest), parked actions, and the machine's load average.
/// </summary>
internal static class NotifyBenchmark
{
    private const string Channel = "local-channel";

    public static async Task<int> RunAsync(int incidents, int alertsPerIncident, int probes, int intervalMs,
        int concurrency, bool each, TextWriter output, CancellationToken ct)
    {
        var run = $"bn{Guid.NewGuid():N}"[..10];
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        configuration[StorageClients.PrefixSetting] = run;
        var storage = StorageClients.FromConfiguration(configuration);
        var graphFiles = Directory.CreateTempSubdirectory("autoresponder-bench-notify");
        var wire = new TeamsWire();
        var url = $"http://127.0.0.1:{BenchRig.FreePort()}";
        var app = StandaloneHost.Build(
        [
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            "--Logging:LogLevel:AutoResponder=Error",
            $"--{StorageClients.PrefixSetting}={run}",
            $"--AutoResponder:Graph:OutboxFolder={graphFiles.FullName}",
            "--AutoResponder:Mail:ManagerRecipients:Default=managers@example.com", // status e-mails: follow-up work
            "--AutoResponder:Teams:Routes:0:Services:0=warm-*", // the warm-up goes to a channel of its own
            "--AutoResponder:Teams:Routes:0:ChannelId=warm-channel",
        ], url, services => services.AddSingleton(new GraphTransport(() => new TimingHandler(wire) { InnerHandler = new FileOutboxHandler(graphFiles.FullName, TimeProvider.System) })));
        try
        {
            await app.StartAsync(ct);
            var teams = app.Services.GetRequiredService<IOptions<TeamsOptions>>().Value;
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            output.WriteLine($"bench notify: {probes} probes (Sev1/Sev2) idle (one every {IdleInterval(intervalMs, teams.StormThreshold)} ms) and during a storm (one every {intervalMs} ms) of {incidents} Sev2 incidents " +
                             $"({alertsPerIncident} alerts each, concurrency {concurrency}); Teams limits " +
                             $"{teams.Limits.ChannelRequestsPerSecond}/s per channel, " +
                             $"{teams.Limits.MessagePostsPerSecond} new messages/s; storm digest past " +
                             $"{teams.StormThreshold} incidents a minute per channel; load average {LoadAverage()}");

            // Warm-up (JIT, connections, the digest path) in a channel of its own, discarded: wait until each warm-up
            // incident was announced and the host has settled, so start-up costs do not land in the idle figures.
            var warm = new List<Task>();
            for (var i = 0; i < 2 * (teams.StormThreshold + 10); i++)
            {
                var title = $"{run} warm-up #{i:D3}";
                warm.Add(wire.WatchFor(title));
                await SendAsync(http, title, i % 2 == 0 ? "Sev1" : "Sev2", $"warm-{run}-{i}", $"{run}-warm-{i}", ct);
                await Task.Delay(100, ct);
            }
            await Task.WhenAny(Task.WhenAll(warm), Task.Delay(TimeSpan.FromSeconds(60), ct));
            await Task.Delay(TimeSpan.FromSeconds(5), ct);

            // The idle baseline in the probes' own channel, spaced so that the probes alone never make a storm (at most
            // StormThreshold of them in any minute): an idle host, announcing each new incident with a post of its own.
            var idleInterval = IdleInterval(intervalMs, teams.StormThreshold);
            var idle = await ProbeAsync(http, wire, run, "idle", probes, idleInterval, ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);

            var stormSent = Stopwatch.StartNew();
            var stormIds = new ConcurrentDictionary<string, byte>();
            var storm = Task.Run(async () =>
            {
                var alerts = Enumerable.Range(0, incidents * alertsPerIncident)
                    .Select(i => (Incident: i % incidents, Alert: i / incidents));
                await Parallel.ForEachAsync(alerts, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (a, token) =>
                {
                    var id = await SendAsync(http, $"{run} storm #{a.Incident:D4}", "Sev2",
                        $"{run}-storm-{a.Incident:D4}", $"{run}-storm-{a.Incident}-{a.Alert}", token);
                    if (id is not null) stormIds.TryAdd(id, 0);
                });
            }, ct);
            await Task.Delay(TimeSpan.FromSeconds(1), ct); // the storm is under way
            var during = await ProbeAsync(http, wire, run, "storm", probes, intervalMs, ct);
            await storm;
            var intake = stormSent.Elapsed;

            // Let the storm's announcements finish, then check them.
            var index = app.Services.GetRequiredService<IncidentIndex>();
            var sweeper = app.Services.GetRequiredService<AutoResponder.Outbox.OutboxSweeper>();
            var states = app.Services.GetRequiredService<IncidentStates>();
            var drained = Stopwatch.StartNew();
            List<string> unannounced;
            do
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                unannounced = [];
                foreach (var id in stormIds.Keys)
                {
                    var thread = await states.ReadAsync<TeamsState>(id, ct);
                    if (thread.RootMessageId is null && !await ListedAsync(app.Services, thread, id, ct))
                        unannounced.Add(id);
                }
                if (unannounced.Count > 0 && drained.Elapsed > TimeSpan.FromSeconds(60)) await sweeper.SweepAsync(ct);
            } while (unannounced.Count > 0 && drained.Elapsed < TimeSpan.FromMinutes(5));
            var announcedAfter = stormSent.Elapsed;

            var own = 0;
            var digested = 0;
            var twice = 0;
            foreach (var id in stormIds.Keys)
            {
                var thread = await states.ReadAsync<TeamsState>(id, ct);
                var posts = wire.RootPostsNaming(await TitleAsync(app.Services, id, ct));
                if (thread.RootMessageId is not null) own++;
                else if (thread.Digest is not null) digested++;
                if (posts > 1 || (thread.RootMessageId is not null && thread.Digest is not null)) twice++;
            }
            var parked = (await index.ListAsync(IncidentIndex.OutboxParkedPartition, 1000, ct)).Count;

            var idleStats = LatencyStats.From(idle.Select(p => p.Ms).ToList(), TimeSpan.Zero);
            var stormStats = LatencyStats.From(during.Select(p => p.Ms).ToList(), TimeSpan.Zero);
            void Line(string name, List<Probe> list, LatencyStats stats)
            {
                var fromSend = LatencyStats.From(list.Select(p => p.FromSendMs).ToList(), TimeSpan.Zero);
                output.WriteLine($"{name}: 202 -> first notice p50 {stats.P50Ms / 1000:F2} s, p99 " +
                    $"{stats.P99Ms / 1000:F2} s over {stats.Count} probes " +
                                 $"({list.Count(p => p.Digest)} via the digest); {BySeverity(list, "Sev1")}; " +
                                 $"{BySeverity(list, "Sev2")}; " +
                                 $"alert sent -> first notice p50 {fromSend.P50Ms / 1000:F2} s, p99 " +
                                 $"{fromSend.P99Ms / 1000:F2} s" +
                                 (list.Any(p => !p.Accepted)
                                     ? $"; {list.Count(p => !p.Accepted)} alerts NOT ACCEPTED" : "") +
                                 (list.Any(p => double.IsNaN(p.Ms))
                                     ? $"; {list.Count(p => double.IsNaN(p.Ms))} NEVER announced" : ""));
                if (each) output.WriteLine("  each (s): "
                    + string.Join(" ", list.Select(p => $"{p.Severity}{(p.Digest ? "d" : "")}:{p.Ms / 1000:F2}")));
            }
            Line("idle  ", idle, idleStats);
            Line("storm ", during, stormStats);
            var ratio = stormStats.P99Ms / idleStats.P99Ms;
            string Ratio(string severity)
                => $"{severity} {P99(during.Where(p => p.Severity == severity)) / P99(idle.Where(p => p.Severity == severity)):F2}";
            output.WriteLine($"ratio storm p99 / idle p99 (202 -> first notice): {ratio:F2} (goal <= 1.5; {Ratio("Sev1")}, {Ratio("Sev2")}); storm p99 {stormStats.P99Ms / 1000:F2} s (goal <= 2 s); load average {LoadAverage()}");
            output.WriteLine($"storm: {stormIds.Count} incidents opened in {intake.TotalSeconds:F1} s; all announced " +
                $"{announcedAfter.TotalSeconds:F1} s after it began: " +
                             $"{own} own posts, {digested} in digests, {unannounced.Count} not announced, {twice} " +
                             $"announced twice; parked actions {parked}");
            // The follow-up work (status e-mails; a storm e-mail goes 15 s after its minute) finishes after the first
            // notices.
            var settle = Stopwatch.StartNew();
            while (settle.Elapsed < TimeSpan.FromSeconds(120)
                && (await index.ListAsync(IncidentIndex.OutboxPendingPartition, 1, ct)).Count > 0)
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            output.WriteLine($"e-mails to managers in the whole run (warm-up included): {wire.Mails.All}, of them " +
                $"{wire.Mails.Storm} storm e-mails " +
                             $"(a digested incident's status e-mail is a line in its minute's storm e-mail); outbox " +
                             $"{(settle.Elapsed < TimeSpan.FromSeconds(120) ? "settled" : "NOT settled")} " +
                             $"{settle.Elapsed.TotalSeconds:F0} s after the announcements");
            var (perMinute, perSecond, postsPerSecond) = wire.Rates(Channel);
            output.WriteLine($"Teams requests to {Channel}: at most {perMinute} in any minute (limit " +
                $"{teams.Limits.ChannelRequestsPerSecond * 60:F0}), {perSecond} in any second " +
                             $"(limit {teams.Limits.ChannelRequestsPerSecond:F0}); new messages at most " +
                             $"{postsPerSecond} in any second (limit {teams.Limits.MessagePostsPerSecond:F0}); " +
                             $"{wire.Count(Channel)} requests in all");
            var ok = stormStats.P99Ms <= 2000 && ratio <= 1.5 && unannounced.Count == 0 && twice == 0 && parked == 0
                && stormIds.Count == incidents
                     && perSecond <= Math.Ceiling(teams.Limits.ChannelRequestsPerSecond)
                         && !idle.Concat(during).Any(p => double.IsNaN(p.Ms));
            output.WriteLine(ok ? "targets met" : "TARGETS NOT MET: see above");
            return ok ? 0 : 1;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            graphFiles.Delete(recursive: true);
            await BenchRig.DropPrefixAsync(storage, run);
        }
    }

    /// <summary>
    /// A probe: <see cref="Ms"/> from its 202 to its first notice (the issue's measure), <see cref="FromSendMs"/> from
    /// sending the alert.
    /// </summary>
    private sealed record Probe(string Severity, double Ms, double FromSendMs, bool Digest, bool Accepted);

    private static double P99(IEnumerable<Probe> probes)
        => LatencyStats.From(probes.Select(p => p.Ms).ToList(), TimeSpan.Zero).P99Ms / 1000;

    private static string BySeverity(List<Probe> probes, string severity)
    {
        var stats = LatencyStats.From(probes.Where(p => p.Severity == severity).Select(p => p.Ms).ToList(),
            TimeSpan.Zero);
        return $"{severity} p50 {stats.P50Ms / 1000:F2} s / p99 {stats.P99Ms / 1000:F2} s";
    }

    /// <summary>
    /// Time between idle probes: the probe interval, or longer when needed so that at most
    /// <paramref name="stormThreshold"/> probes open in any minute (with a tenth spare) — otherwise the idle probes
    /// would make a storm of their own and be digested.
    /// </summary>
    private static int IdleInterval(int intervalMs, int stormThreshold) =>
        stormThreshold <= 0 ? intervalMs : Math.Max(intervalMs, (int)Math.Ceiling(60_000 * 1.1 / stormThreshold));

    /// <summary>
    /// The machine's load average (1, 5, 15 minutes), where Linux tells it: the benchmark shares its cores.
    /// </summary>
    private static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    /// <summary>
    /// Opens <paramref name="count"/> probe incidents, one every <paramref name="intervalMs"/>, and times each one's
    /// first notice.
    /// </summary>
    private static async Task<List<Probe>> ProbeAsync(HttpClient http, TeamsWire wire, string run, string phase,
        int count, int intervalMs, CancellationToken ct)
    {
        var probes = new List<Task<Probe>>();
        for (var i = 0; i < count; i++)
        {
            var severity = i % 2 == 0 ? "Sev1" : "Sev2";
            var title = $"{run} probe {phase} #{i:D3}";
            probes.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                var seen = wire.WatchFor(title);
                var accepted = await SendAsync(http, title, severity, $"{run}-probe-{phase}-{i}",
                    $"{run}-probe-{phase}-{i}", ct) is not null;
                var answered = Stopwatch.GetTimestamp();
                var done = await Task.WhenAny(seen, Task.Delay(TimeSpan.FromSeconds(120), ct));
                if (done != seen) return new Probe(severity, double.NaN, double.NaN, false, accepted);
                var (at, digest) = await seen;
                return new Probe(severity, Stopwatch.GetElapsedTime(answered, at).TotalMilliseconds,
                    Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds, digest, accepted);
            }, ct));
            await Task.Delay(intervalMs, ct);
        }
        return [.. await Task.WhenAll(probes)];
    }

    private static async Task<string?> SendAsync(HttpClient http, string title, string severity, string service,
        string dedupKey, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new { title, severity, service, dedupKey, status = "firing", startsAt = DateTimeOffset.UtcNow });
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var response = await http.PostAsync("/api/alerts",
                new StringContent(body, Encoding.UTF8, "application/json"), ct);
            if (response.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                return json.RootElement.GetProperty("results")[0].GetProperty("incidentId").GetString();
            }
            await Task.Delay(500, ct); // a 503 under load: the sender retries, as Alertmanager would
        }
        return null;
    }

    private static async Task<bool> ListedAsync(IServiceProvider services, TeamsState thread, string id,
        CancellationToken ct)
    {
        if (thread.Digest is not { } digest) return false;
        var head = await services.GetRequiredService<TeamsDigest>().FindAsync(digest, ct);
        var items = await services.GetRequiredService<TeamsDigest>().ItemsAsync(digest, ct);
        return head is { MessageId: not null } && head.RenderedCount >= items.Count
            && items.Any(i => i.RowKey == TeamsDigest.ItemPrefix + id);
    }

    private static async Task<string> TitleAsync(IServiceProvider services, string id, CancellationToken ct) =>
        (await services.GetRequiredService<IncidentStore>().FindAsync(id, ct))?.Title ?? id;


    /// <summary>
    /// Every Teams request on its way out: when, to which channel, whether it creates a message, and what it says.
    /// </summary>
    private sealed class TeamsWire
    {
        private readonly ConcurrentQueue<(
            long At, string Channel, bool NewMessage, bool RootPost, string Body)> _requests = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource<(long, bool)>> _watched =
            new(StringComparer.Ordinal);

        public Task<(long At, bool Digest)> WatchFor(string title) =>
            _watched.GetOrAdd(title, _ =>
                new TaskCompletionSource<(long, bool)>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        private int _mails, _stormMails;
        /// <summary>E-mails sent (sendMail), and how many of them were storm e-mails.</summary>
        public (int All, int Storm) Mails => (Volatile.Read(ref _mails), Volatile.Read(ref _stormMails));

        public void Record(HttpMethod method, string path, string body)
        {
            if (path.EndsWith("/sendMail", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _mails);
                if (body.Contains("\"[Storm]", StringComparison.Ordinal)) Interlocked.Increment(ref _stormMails);
                return;
            }
            // v1.0 teams {team} channels {channel} messages [{id} [replies]]
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 6 || parts[1] != "teams" || parts[3] != "channels") return;
            var at = Stopwatch.GetTimestamp();
            var newMessage = method == HttpMethod.Post;
            var rootPost = newMessage && parts.Length == 6;
            _requests.Enqueue((at, parts[4], newMessage, rootPost, body));
            var digest = body.Contains("Storm digest", StringComparison.Ordinal);
            foreach (var (title, seen) in _watched)
                if (!seen.Task.IsCompleted && body.Contains(title, StringComparison.Ordinal))
                    seen.TrySetResult((at, digest));
        }

        public int RootPostsNaming(string title)
            => _requests.Count(r => r.RootPost && !r.Body.Contains("Storm digest", StringComparison.Ordinal)
            && r.Body.Contains(title, StringComparison.Ordinal));

        public int Count(string channel) => _requests.Count(r => r.Channel == channel);

        /// <summary>
        /// The most requests to <paramref name="channel"/> in any minute and in any second, and the most new messages
        /// (all channels) in any second.
        /// </summary>
        public (int PerMinute, int PerSecond, int PostsPerSecond) Rates(string channel)
        {
            var channelTimes = _requests.Where(r => r.Channel == channel).Select(r => r.At).Order().ToArray();
            var postTimes = _requests.Where(r => r.NewMessage).Select(r => r.At).Order().ToArray();
            return (MostWithin(channelTimes, TimeSpan.FromMinutes(1)),
                MostWithin(channelTimes, TimeSpan.FromSeconds(1)), MostWithin(postTimes, TimeSpan.FromSeconds(1)));
        }

        private static int MostWithin(long[] sorted, TimeSpan window)
        {
            var most = 0;
            var ticks = (long)(window.TotalSeconds * Stopwatch.Frequency);
            for (int start = 0, end = 0; end < sorted.Length; end++)
            {
                while (sorted[end] - sorted[start] >= ticks) start++;
                most = Math.Max(most, end - start + 1);
            }
            return most;
        }
    }

    private sealed class TimingHandler(TeamsWire wire) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request,
            CancellationToken cancellationToken)
        {
            var body = "";
            if (request.Content is not null)
            {
                await request.Content.LoadIntoBufferAsync(cancellationToken);
                body = await request.Content.ReadAsStringAsync(cancellationToken);
            }
            wire.Record(request.Method, request.RequestUri?.AbsolutePath ?? "", body);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
