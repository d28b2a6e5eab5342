using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static AutoResponder.Tests.Impact.ImpactRuleTests;
using static AutoResponder.Tests.Impact.ImpactTestKit;

namespace AutoResponder.Tests.Impact;

[Collection(AzuriteCollection.Name)]
public sealed class ImpactApiTests(AzuriteFixture azurite)
{
    private static readonly (string, string)[] MatchAll = [("Name", "everything"), ("Kind", "AllOrders"), ("MatchAll", "true")];

    private static readonly Caller Alice = new("alice@shop.example", [Roles.Responder], "token");

    private static JsonElement Json(ApiResult result) => JsonSerializer.SerializeToElement(result.Body, result.Body!.GetType(), ApiResult.Json);

    [Fact]
    public async Task A_refresh_records_the_caller_as_the_actor()
    {
        await using var app = await TestApp.StartAsync(azurite, Rules(MatchAll));
        var id = await OpenIncidentAsync(app, app.Time.GetUtcNow().AddMinutes(-5));
        await RunOutboxAsync(app, id);

        var refresh = await app.Get<ImpactEndpoint>().RefreshAsync(Alice, id, default);

        Assert.Equal(202, refresh.StatusCode);
        var requests = (await app.Get<AutoResponder.Incidents.IncidentStore>().GetDetailsAsync(id, default))!.Timeline
            .Where(t => t.Kind == AutoResponder.Incidents.TimelineKinds.ImpactRefreshRequested).ToList();
        Assert.Equal("alice@shop.example", Assert.Single(requests).Actor);
    }

    [Fact]
    public async Task Refresh_queues_a_snapshot_and_get_returns_summary_history_and_download_routes()
    {
        await using var app = await TestApp.StartAsync(azurite, Rules(MatchAll));
        var now = app.Time.GetUtcNow();
        await SeedAsync(app, Order("a", now.AddMinutes(-10)), Order("b", now.AddMinutes(-8), price: 7m, currency: "USD"));
        var id = await OpenIncidentAsync(app, now.AddMinutes(-5));
        await RunOutboxAsync(app, id);
        await SeedAsync(app, Order("c", now.AddMinutes(-1)));
        var endpoint = app.Get<ImpactEndpoint>();

        var refresh = await endpoint.RefreshAsync(Alice, id, default);
        Assert.Equal(202, refresh.StatusCode);
        var again = await endpoint.RefreshAsync(Alice, id, default);
        Assert.Equal(409, again.StatusCode);                  // the first refresh holds the lease until its snapshot runs
        await RunOutboxAsync(app, id);

        var result = await endpoint.GetAsync(id, default);
        Assert.Equal(200, result.StatusCode);
        var json = Json(result);
        var latest = json.GetProperty("latest");
        Assert.Equal("refresh", latest.GetProperty("trigger").GetString());
        Assert.Equal(3, latest.GetProperty("orders").GetInt64());
        Assert.Equal(1, latest.GetProperty("newOrders").GetInt64());
        Assert.Equal(2, json.GetProperty("snapshots").GetArrayLength());
        Assert.Equal(["everything"], json.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(7m, latest.GetProperty("moneyAtRisk").GetProperty("USD").GetDecimal());

        // Each export names its authenticated download route; nothing signed, no storage names.
        var export = latest.GetProperty("export");
        Assert.Equal($"/api/incidents/{id}/impact/snapshots/{latest.GetProperty("snapshotId").GetString()}/export", export.GetProperty("download").GetString());
        Assert.Equal(["download", "sizeBytes"], export.EnumerateObject().Select(p => p.Name).Order());
        Assert.DoesNotContain("sig=", json.GetRawText());
        var csv = await DownloadAsync(app, (await SnapshotsAsync(app, id)).Last());
        Assert.Equal(["a", "b", "c"], (await RowsAsync(csv)).Select(r => r["order_id"]));
        Assert.Equal(202, (await endpoint.RefreshAsync(Alice, id, default)).StatusCode); // lease released after the snapshot
    }

    [Fact]
    public async Task Unknown_incident_is_404_and_a_running_snapshot_is_409()
    {
        await using var app = await TestApp.StartAsync(azurite, Rules(MatchAll));
        var endpoint = app.Get<ImpactEndpoint>();
        Assert.Equal(404, (await endpoint.GetAsync("inc-nope", default)).StatusCode);
        Assert.Equal(404, (await endpoint.RefreshAsync(Alice, "inc-nope", default)).StatusCode);

        await SeedAsync(app);
        var id = await OpenIncidentAsync(app, app.Time.GetUtcNow());
        var lease = await app.Get<ImpactSnapshotStore>().AcquireAsync(id, ImpactLeaseRecord.Running, "someone", TimeSpan.FromMinutes(2), default);
        var conflict = await endpoint.RefreshAsync(Alice, id, default);
        Assert.Equal(409, conflict.StatusCode);
        Assert.Contains("running", Json(conflict).GetProperty("detail").GetString());
        Assert.Equal("running", Json(await endpoint.GetAsync(id, default)).GetProperty("inProgress").GetProperty("state").GetString());

        app.Time.Advance(TimeSpan.FromMinutes(3));            // an abandoned lease expires
        Assert.Equal(202, (await endpoint.RefreshAsync(Alice, id, default)).StatusCode);
        _ = lease;
    }

    [Fact]
    public async Task A_refresh_whose_snapshot_never_runs_blocks_refreshes_only_until_its_lease_expires()
    {
        var settings = Rules(MatchAll);
        settings["AutoResponder:Impact:LeaseSeconds"] = "60";
        await using var app = await TestApp.StartAsync(azurite, settings);
        await SeedAsync(app);
        var id = await OpenIncidentAsync(app, app.Time.GetUtcNow());
        await RunOutboxAsync(app, id);
        var endpoint = app.Get<ImpactEndpoint>();

        Assert.Equal(202, (await endpoint.RefreshAsync(Alice, id, default)).StatusCode); // its action is never run
        app.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(409, (await endpoint.RefreshAsync(Alice, id, default)).StatusCode);
        Assert.Equal("requested", Json(await endpoint.GetAsync(id, default)).GetProperty("inProgress").GetProperty("state").GetString());

        app.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(JsonValueKind.Null, Json(await endpoint.GetAsync(id, default)).GetProperty("inProgress").ValueKind);
        Assert.Equal(202, (await endpoint.RefreshAsync(Alice, id, default)).StatusCode);
        await RunOutboxAsync(app, id);                         // both queued refreshes run, one after the other
        Assert.Equal(["opened", "refresh", "refresh"], (await SnapshotsAsync(app, id)).Select(s => s.Trigger));
        Assert.Null(await app.Get<ImpactSnapshotStore>().GetLeaseAsync(id, default));
    }

    [Fact]
    public async Task Unreachable_order_store_is_a_503_problem_and_nothing_is_queued()
    {
        var settings = Rules(MatchAll);
        settings["AutoResponder:Impact:OrderStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{ClosedPort()}/devstoreaccount1;";
        await using var app = await TestApp.StartAsync(azurite, settings);
        var id = await OpenIncidentAsync(app, app.Time.GetUtcNow());
        var before = (await ActionsAsync(app, id, ImpactOutbox.Snapshot.Name)).Count;

        var result = await app.Get<ImpactEndpoint>().RefreshAsync(Alice, id, default);

        Assert.Equal(503, result.StatusCode);
        Assert.Contains("order store is unreachable", Json(result).GetProperty("detail").GetString());
        Assert.Equal(before, (await ActionsAsync(app, id, ImpactOutbox.Snapshot.Name)).Count);
        Assert.Null(await app.Get<ImpactSnapshotStore>().GetLeaseAsync(id, default));
    }

    [Fact]
    public async Task The_export_route_streams_the_csv_to_ops_and_responders_and_puts_every_download_on_the_timeline()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Impact:Rules:0:Name=all", "AutoResponder:Impact:Rules:0:MatchAll=true");
        var orders = ImpactServices.CreateTableOrderSource(host.Storage, host.Services.GetRequiredService<IOptions<ImpactOptions>>().Value);
        await orders.Orders.CreateIfNotExistsAsync();
        await AutoResponder.Impact.Seeding.OrderSeeder.WriteOrdersAsync(orders.Orders, [Order("ord-1", DateTimeOffset.UtcNow.AddMinutes(-3)), Order("ord-2", DateTimeOffset.UtcNow.AddMinutes(-2))], 2, null, default);
        var opened = await host.Client.PostAsJsonAsync("/api/alerts", new { title = "Checkout broken", severity = "Sev2", service = "checkout" });
        var id = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("incidentId").GetString()!;
        JsonElement impact = default;
        await Eventually.TrueAsync(async () =>
        {
            impact = await host.Client.GetFromJsonAsync<JsonElement>($"/api/incidents/{id}/impact");
            return impact.GetProperty("latest").ValueKind == JsonValueKind.Object;
        }, "the opening snapshot", maxChecks: 20000);
        var download = impact.GetProperty("latest").GetProperty("export").GetProperty("download").GetString()!;
        var snapshotId = impact.GetProperty("latest").GetProperty("snapshotId").GetString()!;

        var ops = await host.ClientAs("olga@shop.example", Roles.Ops);
        using (var response = await ops.GetAsync(download))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal($"{id}-impact-{snapshotId}.csv", response.Content.Headers.ContentDisposition.FileName?.Trim('"'));
            Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
            var rows = await RowsAsync(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(["ord-1", "ord-2"], rows.Select(r => r["order_id"]).Order());
            Assert.Equal("ord-1@example.com", rows.Single(r => r["order_id"] == "ord-1")["customer_email"]);
        }
        var responder = await host.ClientAs("rita@shop.example", Roles.Responder);
        Assert.Equal(HttpStatusCode.OK, (await responder.GetAsync(download)).StatusCode);
        // Many downloads at once (each one a timeline append beside whatever the incident is doing): all served, all audited.
        var burst = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => ops.GetAsync(download)));
        Assert.All(burst, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // Customer data: a viewer is refused, no credentials is 401; neither is recorded as a download.
        var viewer = await host.ClientAs("manager@shop.example", Roles.Viewer);
        await BadInputTests.AssertProblem(await viewer.GetAsync(download), 403, null!, "viewer");
        var spoofed = new HttpRequestMessage(HttpMethod.Get, download); // a viewer claiming ops through principal headers
        spoofed.Headers.Add("X-MS-CLIENT-PRINCIPAL-NAME", "ceo@shop.example");
        spoofed.Headers.Add("X-MS-CLIENT-PRINCIPAL", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            """{"auth_typ":"aad","claims":[{"typ":"name","val":"ceo@shop.example"},{"typ":"roles","val":"ops"}]}""")));
        await BadInputTests.AssertProblem(await viewer.SendAsync(spoofed), 403, null!, "viewer with spoofed principal headers");
        await BadInputTests.AssertProblem(await host.NewClient(null).GetAsync(download), 401, "Authorization", "anonymous");
        await BadInputTests.AssertProblem(await ops.GetAsync($"/api/incidents/{id}/impact/snapshots/0099/export"), 404, "snapshot", "unknown snapshot");
        await BadInputTests.AssertProblem(await ops.GetAsync($"/api/incidents/{id}/impact/snapshots/x'1/export"), 404, "snapshot", "malformed snapshot");
        await BadInputTests.AssertProblem(await ops.GetAsync($"/api/incidents/INC-20260101-NOPE/impact/snapshots/0001/export"), 404, "id", "unknown incident");

        var timeline = (await viewer.GetFromJsonAsync<JsonElement>($"/api/incidents/{id}/timeline?limit=500")).GetProperty("timeline").EnumerateArray()
            .Where(t => t.GetProperty("kind").GetString() == TimelineKinds.ExportDownloaded).ToList();
        Assert.Equal(13, timeline.Count(t => t.GetProperty("actor").GetString() == "olga@shop.example"));
        Assert.Single(timeline, t => t.GetProperty("actor").GetString() == "rita@shop.example"); // refusals are not downloads
        Assert.All(timeline, t => Assert.Contains($"impact snapshot {snapshotId}", t.GetProperty("text").GetString()));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
