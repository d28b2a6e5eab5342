using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Composition;
using AutoResponder.Graph;
using AutoResponder.Health;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Health;

/// <summary>GET /api/health over real HTTP: 200 when the responder is healthy, 503 naming what is not.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HealthTests(AzuriteFixture azurite)
{
    private static readonly string[] Settings =
    [
        "AutoResponder:Teams:Enabled=false", "AutoResponder:Reminders:Enabled=true",
        "AutoResponder:StatusEmails:Enabled=true", "AutoResponder:Mail:Sender=incidents@shop.example", "AutoResponder:Mail:ManagerRecipients:Default=managers@shop.example",
    ];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonObject Report)> HealthAsync(RunningHost host)
    {
        var response = await host.Client.GetAsync("/api/health");
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static JsonNode Check(JsonObject report, string name) => report["checks"]!.AsArray().Single(c => (string?)c!["name"] == name)!;

    [Fact]
    public async Task A_fresh_responder_is_healthy_and_reports_every_check()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, Settings);

        var (status, report) = await HealthAsync(host);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", (string?)report["status"]);
        Assert.Equal(["storage", "graph-sign-in", "outbox-pending", "outbox-parked", "reminders-dead-lettered", "access-tokens", "host"],
            report["checks"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.All(report["checks"]!.AsArray(), c => Assert.Equal("ok", (string?)c!["status"]));
    }

    /// <summary>A host on <paramref name="time"/> whose outbox runs only when a test runs it (Graph faked).</summary>
    private Task<RunningHost> HostWithoutBackgroundWorkAsync(FakeTimeProvider time)
    {
        var graph = new FakeGraphHandler();
        return RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton(new GraphTransport(() => graph));
            RunningHost.WithoutBackgroundWork(services);
        }, Settings);
    }

    [Fact]
    public async Task Actions_owed_later_are_not_counted_as_waiting()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await HostWithoutBackgroundWorkAsync(time);
        var accepted = JsonNode.Parse(await (await host.Client.PostAsync("/api/alerts",
            Json("""{"title":"Payments slow","severity":"Sev2","service":"payments"}"""))).Content.ReadAsStringAsync())!;
        var id = (string)accepted["results"]![0]!["incidentId"]!;
        await host.Services.GetRequiredService<AutoResponder.Outbox.OutboxRunner>().RunAsync(id, default); // the first e-mail
        var now = time.GetUtcNow();
        await host.Services.GetRequiredService<AutoResponder.Incidents.IncidentCommits>().RecordAsync(id, [], change =>
            change.Actions.Add(AutoResponder.Incidents.OutboxAction.Scheduled(id, AutoResponder.StatusEmails.StatusEmailOutbox.Email.Name, "{}", now, now.AddMinutes(30))), default);
        time.Advance(TimeSpan.FromMinutes(1));

        var (_, report) = await HealthAsync(host);
        var pending = Check(report, "outbox-pending");
        Assert.Equal("ok", (string?)pending["status"]);
        Assert.Equal(0, (double)pending["value"]!); // an e-mail owed in 29 min, not "owed -29 min ago"
        Assert.Contains("owed later", (string?)pending["detail"]);
    }

    [Fact]
    public async Task Old_pending_actions_and_dead_lettered_reminders_make_it_unhealthy()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await HostWithoutBackgroundWorkAsync(time);
        await host.Client.PostAsync("/api/alerts", Json("""{"title":"Payments slow","severity":"Sev2","service":"payments"}"""));

        time.Advance(TimeSpan.FromMinutes(45)); // its e-mail is still owed (nobody ran the outbox)
        var (status, report) = await HealthAsync(host);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", (string?)report["status"]);
        Assert.Equal("failing", (string?)Check(report, "outbox-pending")["status"]);
        Assert.Equal(45, (double)Check(report, "outbox-pending")["value"]!);
        Assert.Equal("ok", (string?)Check(report, "storage")["status"]);

        var reminders = host.Services.GetRequiredService<AutoResponder.Reminders.StorageQueueReminders>();
        await reminders.Poison.SendMessageAsync("""{"dead":"letter"}""");
        (_, report) = await HealthAsync(host);
        Assert.Equal("failing", (string?)Check(report, "reminders-dead-lettered")["status"]);
        Assert.Equal(1, (int)Check(report, "reminders-dead-lettered")["value"]!);
    }

    [Fact]
    public async Task A_parked_action_is_reported_with_its_incident_until_it_is_retried()
    {
        var graph = new FakeGraphHandler().Then(r => r.RequestUri!.AbsolutePath.EndsWith("/sendMail", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.Forbidden) { RequestMessage = r, Content = new StringContent("""{"error":{"code":"ErrorAccessDenied","message":"denied"}}""", Encoding.UTF8, "application/json") }
            : null);
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton(new GraphTransport(() => graph));
            RunningHost.WithoutBackgroundWork(services);
        }, Settings);
        var opened = await host.Client.PostAsync("/api/alerts", Json("""{"title":"Payments slow","severity":"Sev2","service":"payments"}"""));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        await host.Services.GetRequiredService<AutoResponder.Outbox.OutboxRunner>().RunAsync(id, default);

        var (status, report) = await HealthAsync(host);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var parked = Check(report, "outbox-parked");
        Assert.Equal(("failing", 1), ((string?)parked["status"], (int)parked["value"]!));
        Assert.Contains(id, (string?)parked["detail"]);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/actions/retry", Json("""{"actor":"bob"}"""))).StatusCode);
        await host.Services.GetRequiredService<AutoResponder.Outbox.OutboxRunner>().RunAsync(id, default);
        (status, _) = await HealthAsync(host);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Parked_actions_are_counted_exactly_among_many_incidents_from_their_index_not_a_scan()
    {
        var graph = new RefuseMail(new FakeGraphHandler()); // Graph refuses the e-mails of some incidents (403: parked at once)
        var failMail = graph.For;
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton(new GraphTransport(() => graph));
            RunningHost.WithoutBackgroundWork(services);
        }, [.. Settings, "AutoResponder:Outbox:MaxAttempts=1"]);
        var runner = host.Services.GetRequiredService<AutoResponder.Outbox.OutboxRunner>();
        var ids = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var opened = await host.Client.PostAsync("/api/alerts", Json($$"""{"title":"Payments slow {{i}}","severity":"Sev2","service":"payments-{{i}}"}"""));
            ids.Add((string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!);
        }
        lock (failMail) failMail.UnionWith(ids.Take(3));
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) => await runner.RunAsync(id, ct));

        var before = host.Storage.Requests.Snapshot();
        var (status, report) = await HealthAsync(host);
        var requests = host.Storage.Requests.Snapshot() - before;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var parked = Check(report, "outbox-parked");
        Assert.Equal(("failing", 3), ((string?)parked["status"], (int)parked["value"]!));
        Assert.All(ids.Take(3), id => Assert.Contains(id, (string?)parked["detail"]));
        Assert.Equal("ok", (string?)Check(report, "outbox-pending")["status"]); // the other 57 did everything they owed
        // One health call reads index partitions and the listed actions, not the outbox rows of 60 incidents
        // (+2: the caller's token row, and the access-tokens partition for expiring tokens).
        Assert.True(requests.Tables <= 3 + 3 + 2 + 2, $"{requests.Tables} table requests for one health report");

        // Exact: a re-driven action leaves the count at once, and a listing whose action is not parked is not counted.
        lock (failMail) failMail.Remove(ids[0]);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{ids[0]}/actions/retry", null)).StatusCode);
        await host.Services.GetRequiredService<AutoResponder.Incidents.IncidentIndex>().MarkParkedAsync(ids[5], "ob-not-parked", DateTimeOffset.UnixEpoch, default);
        (_, report) = await HealthAsync(host);
        Assert.Equal(2, (int)Check(report, "outbox-parked")["value"]!);
        Assert.DoesNotContain(ids[0], (string?)Check(report, "outbox-parked")["detail"]);
    }

    [Fact]
    public async Task Unreachable_storage_is_a_failing_check()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var endpoint = $"http://127.0.0.1:{port}/devstoreaccount1";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
                "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                $"BlobEndpoint={endpoint};QueueEndpoint={endpoint};TableEndpoint={endpoint};",
            ["AutoResponder:Health:CheckTimeoutSeconds"] = "3",
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddAutoResponder(configuration).BuildServiceProvider();

        var result = await services.GetRequiredService<HealthEndpoint>().GetAsync(new AutoResponder.Access.Caller("ops@shop.example", [AutoResponder.Access.Roles.Viewer], "token"), default);

        Assert.Equal(503, result.StatusCode);
        var report = (HealthReport)result.Body!;
        Assert.Equal(HealthCheckResult.Failing, report.Checks!.Single(c => c.Name == "storage").Status);
        Assert.Equal("60", result.Headers["Retry-After"]);
    }
}

/// <summary>Graph answering 403 to every e-mail that names one of <see cref="For"/>.</summary>
internal sealed class RefuseMail(FakeGraphHandler graph) : DelegatingHandler(graph)
{
    public HashSet<string> For { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        bool refuse;
        lock (For) refuse = request.RequestUri!.AbsolutePath.EndsWith("/sendMail", StringComparison.Ordinal) && For.Any(id => body.Contains(id, StringComparison.Ordinal));
        if (!refuse) return await base.SendAsync(request, cancellationToken);
        return new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            RequestMessage = request,
            Content = new StringContent("""{"error":{"code":"ErrorAccessDenied","message":"denied"}}""", Encoding.UTF8, "application/json"),
        };
    }
}
