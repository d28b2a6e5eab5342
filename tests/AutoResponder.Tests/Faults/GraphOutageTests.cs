using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Access;
using AutoResponder.Graph;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Faults;

/// <summary>Graph between the outbox and the fake wire: while down it refuses connections, answers 503/429 and times out.</summary>
internal sealed class GraphOutage(FakeGraphHandler graph) : DelegatingHandler(graph)
{
    private int _calls;
    public volatile bool Down;
    public int Refused => _calls;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!Down) return base.SendAsync(request, cancellationToken);
        switch (Interlocked.Increment(ref _calls) % 4)
        {
            case 0: throw new HttpRequestException("Connection refused (graph.microsoft.com:443)", new System.Net.Sockets.SocketException(111));
            case 1: throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException());
            default:
                var status = _calls % 4 == 2 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.TooManyRequests;
                var response = new HttpResponseMessage(status)
                {
                    RequestMessage = request,
                    Content = new StringContent(new JsonObject { ["error"] = new JsonObject { ["code"] = status.ToString(), ["message"] = "outage" } }.ToJsonString(), Encoding.UTF8, "application/json"),
                };
                response.Headers.TryAddWithoutValidation("Retry-After", "0");
                return Task.FromResult(response);
        }
    }
}

/// <summary>
/// Faults over real HTTP on Azurite: an hour-long Graph outage loses nothing (every post and e-mail goes out
/// afterwards, in order, once), and parked actions can be re-driven by a responder.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GraphOutageTests(AzuriteFixture azurite)
{
    private static readonly string[] Settings =
    [
        "AutoResponder:Teams:Enabled=true", "AutoResponder:Teams:TeamId=team-1", "AutoResponder:Teams:ChannelId=19:chan-1@thread.tacv2",
        "AutoResponder:StatusEmails:Enabled=true", "AutoResponder:Reminders:Enabled=false",
        "AutoResponder:Mail:Sender=incidents@shop.example", "AutoResponder:Mail:ManagerRecipients:Default=managers@shop.example",
        "AutoResponder:Outbox:MaxAttempts=3",
    ];

    private sealed record Rig(RunningHost Host, FakeTimeProvider Time, FakeGraphHandler Graph, GraphOutage Outage) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Host.DisposeAsync();
        public OutboxRunner Runner => Host.Services.GetRequiredService<OutboxRunner>();
        public Task<IncidentDetails?> DetailsAsync(string id) => Host.Services.GetRequiredService<IncidentStore>().GetDetailsAsync(id, default);
    }

    private async Task<Rig> StartAsync()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        var graph = new FakeGraphHandler();
        var outage = new GraphOutage(graph);
        var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton(new GraphTransport(() => outage));
            RunningHost.WithoutBackgroundWork(services); // the test drives the outbox, in fake time
        }, Settings);
        return new Rig(host, time, graph, outage);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>An incident's whole life over HTTP, at one instant: every post and e-mail it owes is queued.</summary>
    private static async Task<string> LiveAnIncidentAsync(Rig rig)
    {
        var client = rig.Host.Client;
        var opened = await client.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"Sev1","service":"checkout"}"""));
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        rig.Time.Advance(TimeSpan.FromSeconds(30)); // people take a moment between actions
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/incidents/{id}/acknowledge", Json("""{"owner":"alice","actor":"alice"}"""))).StatusCode);
        rig.Time.Advance(TimeSpan.FromSeconds(30)); // people take a moment between actions
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/incidents/{id}/status", Json("""{"actor":"alice","text":"Rolling back release 42"}"""))).StatusCode);
        rig.Time.Advance(TimeSpan.FromSeconds(30)); // people take a moment between actions
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/incidents/{id}/resolve", Json("""{"actor":"alice","text":"Release 42 rolled back"}"""))).StatusCode);
        return id;
    }

    private static async Task RunUntilSettledAsync(Rig rig, string id)
    {
        for (var i = 0; i < 40; i++)
        {
            await rig.Runner.RunAsync(id, default);
            if ((await rig.DetailsAsync(id))!.Actions.All(a => a.Status is OutboxStatus.Done or OutboxStatus.Failed)) return;
            rig.Time.Advance(TimeSpan.FromMinutes(15)); // the longest backoff
        }
    }

    /// <summary>What reached Graph, per lane, with the incident id taken out: Teams calls in order, mails in order.</summary>
    private static (List<string> Teams, List<string> Mail) Delivered(FakeGraphHandler graph, string id)
    {
        List<GraphRequest> requests;
        lock (graph.Requests) requests = graph.Requests.ToList();
        var teams = requests.Where(r => !r.Path.EndsWith("/sendMail", StringComparison.Ordinal))
            .Select(r => $"{r.Method} {(r.Path.EndsWith("/replies", StringComparison.Ordinal) ? "reply" : r.Method == HttpMethod.Patch ? "update root" : "root")}: "
                         + Snippet(r.Json?["body"]?["content"]?.GetValue<string>()))
            .ToList();
        var mail = requests.Where(r => r.Path.EndsWith("/sendMail", StringComparison.Ordinal)).Select(r => r.Subject.Replace(id, "INC")).ToList();
        return (teams, mail);
    }

    private static string Snippet(string? html) =>
        html is null ? "" : html.Contains("Release 42 rolled back") ? "resolved" : html.Contains("Rolling back release 42") ? "status" : html.Contains("alice") ? "acknowledged" : "other";

    [Fact]
    public async Task After_an_hour_long_Graph_outage_every_post_and_email_goes_out_in_order_once()
    {
        // Reference: the same incident with Graph up.
        await using var reference = await StartAsync();
        var referenceId = await LiveAnIncidentAsync(reference);
        await RunUntilSettledAsync(reference, referenceId);
        var expected = Delivered(reference.Graph, referenceId);
        Assert.NotEmpty(expected.Teams);
        Assert.NotEmpty(expected.Mail);

        await using var rig = await StartAsync();
        rig.Outage.Down = true;
        var id = await LiveAnIncidentAsync(rig);
        for (var minute = 0; minute < 60; minute += 2) // an hour of outage; the runner comes by every two minutes
        {
            await rig.Runner.RunAsync(id, default);
            rig.Time.Advance(TimeSpan.FromMinutes(2));
        }

        var during = (await rig.DetailsAsync(id))!;
        Assert.True(rig.Outage.Refused >= 3 * 3, $"the outbox kept trying ({rig.Outage.Refused} calls refused)");
        Assert.Empty(rig.Graph.Requests);
        Assert.All(during.Actions, a => Assert.NotEqual(OutboxStatus.Failed, a.Status));
        Assert.All(during.Actions, a => Assert.True(a.Attempts == 0 || a.Status == OutboxStatus.Done, $"{a.Kind} spent {a.Attempts} attempts on an outage"));
        Assert.DoesNotContain(during.Timeline, t => t.Kind == TimelineKinds.ActionFailed);

        rig.Outage.Down = false;
        await RunUntilSettledAsync(rig, id);

        var after = (await rig.DetailsAsync(id))!;
        Assert.All(after.Actions, a => Assert.Equal(OutboxStatus.Done, a.Status));
        var delivered = Delivered(rig.Graph, id);
        Assert.Equal(expected.Teams, delivered.Teams); // every Teams call, in the order owed, once
        Assert.Equal(expected.Mail, delivered.Mail);   // every e-mail, in order, once
    }

    [Fact]
    public async Task A_responder_re_drives_parked_actions_over_HTTP()
    {
        await using var rig = await StartAsync();
        // The mailbox refuses mail (403): a permanent error, parked at once.
        rig.Graph.Then(r => r.RequestUri!.AbsolutePath.EndsWith("/sendMail", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.Forbidden) { RequestMessage = r, Content = new StringContent("""{"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}""", Encoding.UTF8, "application/json") }
            : null);
        var opened = await rig.Host.Client.PostAsync("/api/alerts", Json("""{"title":"Payments slow","severity":"Sev2","service":"payments"}"""));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        await RunUntilSettledAsync(rig, id);
        var parked = Assert.Single((await rig.DetailsAsync(id))!.Actions, a => a.Status == OutboxStatus.Failed);
        Assert.Single(rig.Graph.SendMails); // the one Graph refused

        // Nothing else is parked: retrying a done action is a conflict, an unknown one is 404. The actor is the
        // signed-in responder, whatever a body says.
        var bob = await rig.Host.ClientAs("bob", Roles.Responder);
        var done = (await rig.DetailsAsync(id))!.Actions.First(a => a.Status == OutboxStatus.Done);
        await Http.BadInputTests.AssertProblem(await bob.PostAsync($"/api/incidents/{id}/actions/{Uri.EscapeDataString(done.Id)}/retry", Json("{}")), 409, "actionId", "done action");
        await Http.BadInputTests.AssertProblem(await bob.PostAsync($"/api/incidents/{id}/actions/nope/retry", Json("{}")), 404, "actionId", "unknown action");

        // Someone fixes the mailbox permission and re-drives the parked e-mail.
        var retried = await bob.PostAsync($"/api/incidents/{id}/actions/{Uri.EscapeDataString(parked.Id)}/retry", Json("""{"actor":"mallory"}"""));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, (int)JsonNode.Parse(await retried.Content.ReadAsStringAsync())!["actionCounts"]!["pending"]!);
        var timeline = JsonNode.Parse(await bob.GetStringAsync($"/api/incidents/{id}/timeline"))!["timeline"]!.AsArray();
        Assert.Contains(timeline, t => (string?)t!["kind"] == TimelineKinds.ActionRetried && (string?)t!["actor"] == "bob");
        await RunUntilSettledAsync(rig, id);

        Assert.All((await rig.DetailsAsync(id))!.Actions, a => Assert.Equal(OutboxStatus.Done, a.Status));
        Assert.Equal(2, rig.Graph.SendMails.Count); // refused once, sent once after the re-drive
        await Http.BadInputTests.AssertProblem(await bob.PostAsync($"/api/incidents/{id}/actions/retry", null), 409, "actions", "nothing parked");
    }
}
