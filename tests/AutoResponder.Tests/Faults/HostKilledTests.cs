using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace AutoResponder.Tests.Faults;

/// <summary>
/// The standalone host killed (SIGKILL, no chance to clean up) while its outbox is posting to Teams and mailing
/// managers, three times, then started again: every action is done exactly once. Graph runs in file mode, so each
/// request Graph would have received is one file under the host's working directory — the test counts them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostKilledTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Incidents = 6;

    [Fact]
    public async Task Host_killed_three_times_mid_outbox_does_every_action_once_and_repeats_only_a_call_in_flight_at_the_kill()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var prefix = $"k{run}";
        var workDir = Directory.CreateTempSubdirectory("autoresponder-faults-host-").FullName;
        var graphFolder = Path.Combine(workDir, ".outbox", "graph");
        var storage = StorageClients.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString, [StorageClients.PrefixSetting] = prefix })
            .Build());
        var inFlight = new Dictionary<(string Incident, string Lane), int>(); // actions a host held when it was killed
        var inFlightCount = 0;
        int InFlight(string incident, string lane) => inFlight.GetValueOrDefault((incident, lane));
        async Task KillAsync(Served host, int files)
        {
            await KillWhenFilesAsync(host, graphFolder, files);
            var running = (await ActionsAsync(storage)).Where(a => a.GetString(nameof(OutboxAction.StatusName)) == nameof(OutboxStatus.Running)).ToList();
            inFlightCount += running.Count;
            foreach (var a in running) inFlight[(a.PartitionKey, OutboxKind.LaneOf(a.GetString(nameof(OutboxAction.Kind))))] = InFlight(a.PartitionKey, OutboxKind.LaneOf(a.GetString(nameof(OutboxAction.Kind)))) + 1;
        }
        try
        {
            // 1. Incidents open; the host is killed the moment Graph has received its first request (the worst moment:
            //    Graph has acted, the host has not yet recorded it).
            var host = await ServeAsync(workDir, prefix);
            var opening = PostAllAsync(host, run, "firing");
            await KillAsync(host, 1);
            await opening; // alerts the dead host did not answer are sent again below (a sender retries)

            // 2. Started again: it takes over what the dead one leased (once the short lease lapses) and is killed again.
            host = await ServeAsync(workDir, prefix);
            await PostAllAsync(host, run, "firing", mustSucceed: true);
            await KillAsync(host, Files(graphFolder).Count + 1);

            // 3. The alerts resolve (final e-mails and Teams replies owed); killed once more after its next request.
            host = await ServeAsync(workDir, prefix);
            await PostAllAsync(host, run, "resolved", mustSucceed: true);
            await KillAsync(host, Files(graphFolder).Count + 1);

            // 4. The last start drains the outbox.
            host = await ServeAsync(workDir, prefix);
            var deadline = Stopwatch.StartNew();
            (int Open, string Detail) state;
            while ((state = await OutboxStateAsync(storage)).Open > 0 && deadline.Elapsed < TimeSpan.FromSeconds(120))
                await Task.Delay(200); // polling a condition the host makes true, bounded
            Assert.True(state.Open == 0, $"the outbox was not drained within {deadline.Elapsed}: {state.Detail}");
            await StopAsync(host);

            // Every action done, none parked.
            var actions = await ActionsAsync(storage);
            Assert.All(actions, a => Assert.Equal(nameof(OutboxStatus.Done), a.GetString(nameof(OutboxAction.StatusName))));
            var titles = await TitlesAsync(storage);
            Assert.Equal(Incidents, titles.Count);

            // Graph's requests, by incident: root posts (by title), replies (by the root they answer), e-mails (by subject).
            var files = Files(graphFolder).Select(f => JsonNode.Parse(File.ReadAllText(f))!).Where(f => Method(f) == "POST").ToList();
            var roots = files.Where(f => Url(f).EndsWith("/messages", StringComparison.Ordinal)).ToList();
            var replies = files.Where(f => Url(f).EndsWith("/replies", StringComparison.Ordinal)).ToList();
            var mails = files.Where(f => Url(f).EndsWith("/sendMail", StringComparison.Ordinal)).ToList();
            string IncidentOf(string text) => Assert.Single(titles, t => text.Contains(t.Value, StringComparison.Ordinal)).Key;
            var rootIncident = roots.ToDictionary(r => r["id"]!.GetValue<string>(), r => IncidentOf(Body(r)));
            var sent = new List<(string Incident, string Lane, string Key)>();
            sent.AddRange(roots.Select(r => (IncidentOf(Body(r)), "teams", "root")));
            sent.AddRange(replies.Select(r => (rootIncident[Url(r).Split('/')[^2]], "teams", Url(r) + Body(r))));
            sent.AddRange(mails.Select(m => (IncidentOf(Subject(m)), "status-email", Subject(m))));
            var repeated = sent.GroupBy(s => s).Where(g => g.Count() > 1).ToList();
            output.WriteLine($"{inFlightCount} action(s) in flight at 3 kills; {files.Count} Graph posts: {roots.Count} root posts, {replies.Count} replies, " +
                $"{mails.Count} e-mails; repeated: {string.Join(", ", repeated.Select(g => $"{g.Key.Lane} of {g.Key.Incident} x{g.Count()}"))}");

            // Nothing missing: a root post per incident, a reply per reply action, an e-mail per e-mail sent.
            int Count(string kind, string? incident = null, bool sentOnly = false) => actions.Count(a => a.GetString(nameof(OutboxAction.Kind)) == kind
                && (incident is null || a.PartitionKey == incident)
                && (!sentOnly || !(a.GetString(nameof(OutboxAction.Result)) ?? "").StartsWith("skipped", StringComparison.Ordinal)));
            Assert.Equal(Count("teams.reply"), replies.Select(r => Url(r) + Body(r)).Distinct().Count());
            Assert.True(Count("teams.reply") >= Incidents, "each resolution was replied in its incident's thread");
            Assert.True(mails.Select(Subject).Distinct().Count() >= Incidents, "managers were mailed at least when each incident resolved");

            // Nothing twice, except a call in flight when its host was killed (Graph acted; the record of it died with the
            // host): that one call may be made again by the next host, once per kill that caught it, and nothing else is.
            foreach (var incident in titles.Keys)
            {
                var teams = InFlight(incident, "teams");
                var mail = InFlight(incident, "status-email");
                var rootPosts = sent.Count(s => s.Incident == incident && s.Key == "root");
                Assert.InRange(rootPosts, 1, 1 + teams);
                Assert.All(sent.Where(s => s.Incident == incident && s.Lane == "teams").GroupBy(s => s.Key),
                    g => Assert.True(g.Count() <= 1 + teams, $"{g.Count()} of the same Teams post for {incident}, {teams} kill(s) caught its Teams lane"));
                var mailed = sent.Count(s => s.Incident == incident && s.Lane == "status-email");
                var owed = Count("status-email", incident, sentOnly: true);
                Assert.True(mailed >= owed, $"{incident}: {mailed} e-mails for {owed} sent");
                Assert.True(mailed <= owed + mail, $"{incident}: {mailed} e-mails for {owed} sent, {mail} kill(s) caught its e-mail lane");
            }
        }
        finally
        {
            foreach (var host in Hosts) await OwnProcesses.KillAsync(host.Process);
            try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
        }
    }

    private sealed record Served(Process Process, Uri BaseAddress, HttpClient Client);
    private readonly List<Served> Hosts = [];

    /// <summary>`autoresponder serve` as its own OS process (the built CLI), working directory = where file-mode Graph writes.</summary>
    private async Task<Served> ServeAsync(string workDir, string prefix)
    {
        var port = OwnProcesses.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "autoresponder.dll"), "serve", "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = start.Environment;
        env["AzureWebJobsStorage"] = azurite.ConnectionString;
        env["AutoResponder__StoragePrefix"] = prefix;
        env["AutoResponder__Teams__TeamId"] = "team-1";
        env["AutoResponder__Teams__ChannelId"] = "19:chan-1@thread.tacv2";
        env["AutoResponder__Mail__Sender"] = "incidents@shop.example";
        env["AutoResponder__Mail__ManagerRecipients__Default"] = "managers@shop.example";
        env["AutoResponder__WhenAllAlertsResolved"] = "Resolve";
        env["AutoResponder__Reminders__Enabled"] = "false";
        env["AutoResponder__PriceGuard__Enabled"] = "false";
        env["AutoResponder__Watch__Enabled"] = "false";
        env["AutoResponder__Outbox__LeaseSeconds"] = "10"; // a killed host's leases lapse in seconds, not minutes
        env["AutoResponder__Outbox__SweepSchedule"] = "* * * * * *"; // every second
        env["AutoResponder__Outbox__BaseDelaySeconds"] = "1";
        env["Logging__LogLevel__Default"] = "Warning";
        env["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var process = OwnProcesses.Start(start);
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var served = new Served(process, new Uri($"http://127.0.0.1:{port}"), new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) });
        Hosts.Add(served);

        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"the host exited at start-up: {log}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"the host did not answer within {clock.Elapsed}: {log}");
            try
            {
                using var response = await served.Client.GetAsync("/api/openapi.json");
                if (response.StatusCode == HttpStatusCode.OK) return served;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
    }

    private static Task PostAllAsync(Served host, string run, string status, bool mustSucceed = false) =>
        Parallel.ForEachAsync(Enumerable.Range(0, Incidents), async (k, ct) =>
        {
            var body = new JsonObject
            {
                ["title"] = Title(run, k),
                ["service"] = $"checkout-{run}-{k}",
                ["dedupKey"] = $"killed-{run}-{k}",
                ["severity"] = "Sev1",
                ["status"] = status,
            };
            try
            {
                using var response = await host.Client.PostAsync("/api/alerts", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
                if (mustSucceed) Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
            catch (Exception e) when (!mustSucceed && e is HttpRequestException or TaskCanceledException) { } // killed while answering
        });

    /// <summary>SIGKILL the host the moment the Graph folder holds <paramref name="count"/> files (bounded wait).</summary>
    private static async Task KillWhenFilesAsync(Served host, string folder, int count)
    {
        var clock = Stopwatch.StartNew();
        while (Files(folder).Count < count && !host.Process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(90))
            await Task.Delay(2);
        Assert.True(Files(folder).Count >= count, $"Graph received {Files(folder).Count} requests, expected {count}, within {clock.Elapsed}");
        await OwnProcesses.KillAsync(host.Process);
        host.Client.Dispose();
    }

    private static async Task StopAsync(Served host)
    {
        OwnProcesses.Terminate(host.Process); // a graceful stop this time: the host ends cleanly (exit 0)
        var exited = await OwnProcesses.WaitForExitAsync(host.Process, TimeSpan.FromSeconds(30));
        if (!exited) await OwnProcesses.KillAsync(host.Process);
        host.Client.Dispose();
        Assert.True(exited, "the host did not stop within 30 s of SIGTERM");
        Assert.Equal(0, host.Process.ExitCode);
    }

    private static List<string> Files(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList() : [];

    private static string Title(string run, int k) => $"Checkout latency {run} number {k}";
    private static string Method(JsonNode f) => f["method"]!.GetValue<string>();
    private static string Url(JsonNode f) => f["url"]!.GetValue<string>();
    private static string Body(JsonNode f) => f["body"]?.ToJsonString() ?? "";
    private static string Subject(JsonNode f) => (f["body"]?["Message"] ?? f["body"]?["message"])?["subject"]?.GetValue<string>() ?? "";

    private static async Task<List<TableEntity>> ActionsAsync(StorageClients storage)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey ge {IncidentRows.OutboxPrefix} and RowKey lt {IncidentRows.End(IncidentRows.OutboxPrefix)}");
        var rows = new List<TableEntity>();
        await foreach (var row in storage.IncidentTable.QueryAsync<TableEntity>(filter)) rows.Add(row);
        return rows;
    }

    private static async Task<Dictionary<string, string>> TitlesAsync(StorageClients storage)
    {
        var titles = new Dictionary<string, string>();
        await foreach (var row in storage.IncidentTable.QueryAsync<TableEntity>(e => e.RowKey == IncidentRows.Incident))
            titles[row.PartitionKey] = row.GetString(nameof(IncidentRecord.Title));
        return titles;
    }

    private static async Task<(int Open, string Detail)> OutboxStateAsync(StorageClients storage)
    {
        var actions = await ActionsAsync(storage);
        var open = actions.Where(a => a.GetString(nameof(OutboxAction.StatusName)) != nameof(OutboxStatus.Done)).ToList();
        return (open.Count + (actions.Count == 0 ? 1 : 0),
            string.Join("; ", open.Take(5).Select(a => $"{a.GetString(nameof(OutboxAction.Kind))} {a.GetString(nameof(OutboxAction.StatusName))} {a.GetString(nameof(OutboxAction.LastError))}")));
    }
}
