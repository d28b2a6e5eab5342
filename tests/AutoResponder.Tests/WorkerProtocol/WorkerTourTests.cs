using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AutoResponder.FunctionsHost;
using AutoResponder.FunctionsHost.Rpc;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.WebConsole;
using Azure.Storage.Queues;
using static AutoResponder.Tests.WorkerProtocol.WorkerProtocolRig;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>
/// End to end through the real worker: the README tour, the console's sign-in through the proxy, the timers and the
/// outbox queue trigger (with its poison path). Settings: the Demo profile (src/Cli/appsettings.Demo.json) with
/// Graph in file mode, so every Teams post and e-mail is a file in this test's folder.
/// </summary>
[Collection(WorkerProtocolCollection.Name)]
public sealed class WorkerTourTests : IAsyncLifetime
{
    private readonly string _graphFolder = Directory.CreateTempSubdirectory("autoresponder-graph-").FullName;
    private OwnStorage azurite = null!;

    public async Task InitializeAsync() => azurite = await StorageAsync();

    public async Task DisposeAsync()
    {
        await azurite.DisposeAsync();
        Directory.Delete(_graphFolder, recursive: true);
    }

    private Dictionary<string, string> Settings()
    {
        var settings = AppSettings.FromJsonFile(Path.Combine(AzuriteFixture.RepoRoot(), "src", "Cli", "appsettings.Demo.json"));
        settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        settings["AutoResponder__Graph__OutboxFolder"] = _graphFolder;
        return settings;
    }

    /// <summary>The Graph requests written so far, each as (url, file text).</summary>
    private List<(string Url, string Text)> GraphRequests() => Directory.GetFiles(_graphFolder, "*.json").Order()
        .Select(f => File.ReadAllText(f)).Select(t => ((string)JsonNode.Parse(t)!["url"]!, t)).ToList();

    private static bool IsTeamsPost(string url) => url.Contains("/channels/") && url.EndsWith("/messages");
    private static bool IsMail(string url) => url.EndsWith("/sendMail");

    [Fact]
    public async Task The_README_tour_runs_through_the_worker_with_the_queue_trigger_timers_and_console_sign_in()
    {
        var settings = Settings();
        await using var app = await StartAsync(settings, pollQueues: true);
        using var monitoring = app.NewClient(withKey: true);
        using var people = app.NewClient();
        people.DefaultRequestHeaders.Authorization = new("Bearer", await CreateTokenAsync(settings, "responder@shop.example", "responder", "ops"));

        // 1. Monitoring fires.
        var startsAt = DateTimeOffset.UtcNow.AddHours(-2).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var intake = await monitoring.PostAsync("/api/alerts", Json($$"""{"title":"Checkout paid below catalog","severity":"Sev1","service":"checkout","startsAt":"{{startsAt}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, intake.StatusCode);
        var id = (string)JsonNode.Parse(await intake.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;

        // 2. The outbox queue trigger runs the owed actions: the Teams root post and the first manager e-mail.
        await WaitForAsync(() => Task.FromResult(GraphRequests().Any(r => IsTeamsPost(r.Url) && r.Text.Contains(id))), "the Teams root post", app);
        await WaitForAsync(() => Task.FromResult(GraphRequests().Any(r => IsMail(r.Url))), "the status e-mail", app);
        var incident = await people.GetAsync($"/api/incidents/{id}");
        Assert.Equal(HttpStatusCode.OK, incident.StatusCode);
        Assert.NotNull(incident.Headers.ETag);

        // 3. Own it, status with ETA, resolve → the postmortem draft.
        Assert.Equal(HttpStatusCode.OK, (await people.PostAsync($"/api/incidents/{id}/acknowledge", Json("{}"))).StatusCode);
        var eta = DateTimeOffset.UtcNow.AddHours(3).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var status = await people.PostAsync($"/api/incidents/{id}/status", Json($$"""{"text":"Promo rule applied twice","nextSteps":"Disable the rule","eta":"{{eta}}"}"""));
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await people.PostAsync($"/api/incidents/{id}/resolve", Json("{}"))).StatusCode);
        await WaitForAsync(async () => (await people.GetAsync($"/api/incidents/{id}/postmortem/draft")).StatusCode == HttpStatusCode.OK, "the postmortem draft", app);
        Assert.Contains("Checkout paid below catalog", await people.GetStringAsync($"/api/incidents/{id}/postmortem/draft"));
        Assert.Equal("resolved", (string)JsonNode.Parse(await people.GetStringAsync($"/api/incidents/{id}"))!["status"]!);

        // The console: redirects and the session cookie come back through the proxy as the worker sent them.
        using var browser = app.NewClient();
        var unsigned = await browser.GetAsync("/incidents");
        Assert.Equal(HttpStatusCode.SeeOther, unsigned.StatusCode);
        Assert.StartsWith("/sign-in", unsigned.Headers.Location!.OriginalString);
        // The sign-in form carries its own anti-forgery token, in the form and in a cookie: both come through the proxy.
        var form = await browser.GetAsync("/sign-in");
        var formToken = WebUtility.HtmlDecode(Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"_csrf\" value=\"([^\"]+)\"").Groups[1].Value);
        var formCookie = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(SignInFormToken.CookieName + "=")).Split(';')[0];
        var signIn = new HttpRequestMessage(HttpMethod.Post, "/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = await CreateTokenAsync(settings, "viewer@shop.example", "viewer"),
                ["returnUrl"] = "/incidents",
                [ConsolePages.CsrfField] = formToken,
            }),
        };
        signIn.Headers.Add("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));
        signIn.Headers.Add("Sec-Fetch-Site", "same-origin");
        signIn.Headers.Add("Cookie", formCookie);
        var signedIn = await browser.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConsoleSessions.CookieName + "="));
        Assert.Contains("HttpOnly", cookie, StringComparison.OrdinalIgnoreCase);
        var page = new HttpRequestMessage(HttpMethod.Get, "/incidents");
        page.Headers.Add("Cookie", cookie.Split(';')[0]);
        var list = await browser.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(id, await list.Content.ReadAsStringAsync());

        // The price guard timer runs in the worker with the TimerInfo the host sends.
        var priceGuard = await app.Timers.FireAsync("RunPriceGuard");
        Assert.True(priceGuard.Result.Status == StatusResult.Types.Status.Success, priceGuard.Result.Exception?.Message);
    }

    [Fact]
    public async Task The_sweeper_timer_runs_actions_whose_queue_signal_was_lost_and_a_bad_message_goes_to_poison_after_five_tries()
    {
        var settings = Settings();
        await using var app = await StartAsync(settings, pollQueues: false);
        var outbox = new QueueClient(azurite.ConnectionString, StorageClients.OutboxQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await outbox.CreateIfNotExistsAsync();

        using var monitoring = app.NewClient(withKey: true);
        var intake = await monitoring.PostAsync("/api/alerts", Json("""{"title":"Payments stuck","severity":"Sev2","service":"payments"}"""));
        var id = (string)JsonNode.Parse(await intake.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;

        // The queue signal is lost: nothing runs until the sweeper does.
        await outbox.ClearMessagesAsync();
        Assert.DoesNotContain(GraphRequests(), r => IsTeamsPost(r.Url));
        var sweep = await app.Timers.FireAsync("SweepOutbox");
        Assert.True(sweep.Result.Status == StatusResult.Types.Status.Success, sweep.Result.Exception?.Message);
        await WaitForAsync(() => Task.FromResult(GraphRequests().Any(r => IsTeamsPost(r.Url) && r.Text.Contains(id))), "the Teams post run by the sweeper", app);

        // A message the trigger cannot handle fails maxDequeueCount (host.json: 5) times, then moves to the poison queue.
        await outbox.ClearMessagesAsync();
        var poison = app.Queues.PoisonQueue(StorageClients.OutboxQueue);
        await poison.CreateIfNotExistsAsync();
        await poison.ClearMessagesAsync();
        await outbox.SendMessageAsync("""{"incident":"no id here"}""");
        var tries = 0;
        while (await app.Queues.DrainAsync() > 0) tries++;
        Assert.Equal(5, tries);
        var poisoned = Assert.Single((await poison.ReceiveMessagesAsync(10)).Value);
        Assert.Equal("""{"incident":"no id here"}""", poisoned.Body.ToString());
        Assert.Empty((await outbox.PeekMessagesAsync(10)).Value);
    }
}
