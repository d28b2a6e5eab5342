using System.Diagnostics;
using System.Net;
using AutoResponder.Access;
using AutoResponder.Alerts;
using AutoResponder.Cli.Serve;
using AutoResponder.Intake;
using AutoResponder.Storage;
using AutoResponder.WebConsole;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// `bench console`: with N incidents in the table, the console's first list page (HTML) against the JSON list call
/// of the API, both over HTTP from the same standalone host, interleaved in the same run. The ratio is the result.
/// </summary>
internal static class ConsoleBenchmark
{
    public static async Task<int> RunAsync(int incidents, int rounds, CancellationToken ct, TextWriter output)
    {
        var prefix = $"bench{Guid.NewGuid():N}"[..13];
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        configuration[StorageClients.PrefixSetting] = prefix;
        var storage = StorageClients.FromConfiguration(configuration);

        var port = BenchRig.FreePort();
        var url = $"http://127.0.0.1:{port}";
        await using var app = StandaloneHost.Build(
        [
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            "--Logging:LogLevel:AutoResponder=Warning",
            $"--{StorageClients.PrefixSetting}={prefix}",
            // Only the incidents matter here: no Teams posts, emails or reminders owed for 10,000 of them.
            "--AutoResponder:Teams:Enabled=false",
            "--AutoResponder:StatusEmails:Enabled=false",
            "--AutoResponder:Reminders:Enabled=false",
        ], url);
        await app.StartAsync(ct);
        // Both as a signed-in person: the API with a personal access token, the console with the session that token
        // starts.
        var token = (await app.Services.GetRequiredService<PersonalAccessTokens>()
            .CreateAsync("bench@localhost", [Roles.Viewer], ct)).Token;
        using var api = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        // The sign-in form carries its own anti-forgery token (a hidden field matching a cookie the form page sets).
        var form = await browser.GetStringAsync(ConsoleRoutes.SignIn, ct);
        var formToken = System.Text.RegularExpressions.Regex.Match(form, "name=\"_csrf\" value=\"([^\"]+)\"")
            .Groups[1].Value;
        using (var signIn = new HttpRequestMessage(HttpMethod.Post, ConsoleRoutes.SignIn)
        { Content = new FormUrlEncodedContent([new("token", token), new("_csrf", formToken)]) })
        {
            signIn.Headers.Add("Origin", url);
            using var signedIn = await browser.SendAsync(signIn, ct);
            if (signedIn.StatusCode != HttpStatusCode.SeeOther)
                throw new InvalidOperationException($"console sign-in answered {(int)signedIn.StatusCode}");
        }

        output.WriteLine($"console list: seeding {incidents} incidents …");
        var seeding = Stopwatch.StartNew();
        var ingestor = app.Services.GetRequiredService<AlertIngestor>();
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var services = new[] { "checkout", "payments", "search", "catalog", "shipping" };
        await Parallel.ForEachAsync(Enumerable.Range(0, incidents), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
        {
            var key = $"{prefix}-{i}";
            await ingestor.IngestAsync(new Alert
            {
                Source = "generic",
                SourceAlertId = key,
                Fingerprint = key,
                Title = $"Synthetic incident {i}",
                Severity = (Severity)(i % 5),
                Status = AlertStatus.Firing,
                StartsAt = start.AddSeconds(i),
                Service = services[i % services.Length],
                Rule = $"rule-{i}",
            }, token);
        });
        output.WriteLine($"seeded in {seeding.Elapsed.TotalSeconds:F0} s");

        // Warm both paths (JIT, connections), then alternate them so both see the same machine.
        for (var i = 0; i < 3; i++) { await TimeAsync(api, "/api/incidents?limit=25", ct); await TimeAsync(browser, "/incidents", ct); }
        var json = new List<double>();
        var page = new List<double>();
        long jsonBytes = 0, pageBytes = 0;
        for (var i = 0; i < rounds; i++)
        {
            var (j, jb) = await TimeAsync(api, "/api/incidents?limit=25", ct);
            var (p, pb) = await TimeAsync(browser, "/incidents", ct);
            json.Add(j); page.Add(p);
            jsonBytes = jb; pageBytes = pb;
        }
        double Median(List<double> xs) { var s = xs.Order().ToArray(); return s[s.Length / 2]; }
        var jsonMs = Median(json);
        var pageMs = Median(page);
        output.WriteLine($"GET /api/incidents?limit=25 (JSON): median {jsonMs:F1} ms over {rounds} calls " +
            $"({jsonBytes / 1024} KiB)");
        output.WriteLine($"GET /incidents (console page, 25):  median {pageMs:F1} ms over {rounds} calls " +
            $"({pageBytes / 1024} KiB)");
        output.WriteLine($"ratio console page / JSON list: {pageMs / jsonMs:F2} (goal: about 1)");

        await app.StopAsync(ct);
        await foreach (var table in storage.Tables.QueryAsync(t =>
            t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0, cancellationToken: ct))
            await storage.Tables.DeleteTableAsync(table.Name, ct);
        return 0;
    }

    private static async Task<(double Ms, long Bytes)> TimeAsync(HttpClient http, string path, CancellationToken ct)
    {
        var sent = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(path, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        var ms = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}");
        return (ms, body.Length);
    }

}
