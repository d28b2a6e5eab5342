using AutoResponder.Access;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AutoResponder.Http;
using AutoResponder.Impact;
using AutoResponder.Impact.Snapshots;
using AutoResponder.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
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
    public async Task Refresh_queues_a_snapshot_and_get_returns_summary_history_and_links()
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

        using var http = new HttpClient();
        var url = latest.GetProperty("export").GetProperty("url").GetString()!;
        var csv = await http.GetByteArrayAsync(url);
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
        var before = (await ActionsAsync(app, id, ImpactKinds.Snapshot)).Count;

        var result = await app.Get<ImpactEndpoint>().RefreshAsync(Alice, id, default);

        Assert.Equal(503, result.StatusCode);
        Assert.Contains("order store is unreachable", Json(result).GetProperty("detail").GetString());
        Assert.Equal(before, (await ActionsAsync(app, id, ImpactKinds.Snapshot)).Count);
        Assert.Null(await app.Get<ImpactSnapshotStore>().GetLeaseAsync(id, default));
    }

    [Fact]
    public async Task The_link_downloads_the_csv_and_a_tampered_or_expired_link_is_refused()
    {
        await using var app = await TestApp.StartAsync(azurite, Rules(MatchAll));
        var now = app.Time.GetUtcNow();
        await SeedAsync(app, Order("a", now.AddMinutes(-10)));
        var id = await OpenIncidentAsync(app, now.AddMinutes(-5));
        await RunOutboxAsync(app, id);
        var snapshot = Assert.Single(await SnapshotsAsync(app, id));
        var links = app.Get<ExportLinks>();
        using var http = new HttpClient();

        var good = await links.CreateReadLinkAsync(snapshot.BlobName, DateTimeOffset.UtcNow.AddHours(1), default);
        using (var response = await http.GetAsync(good))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(await DownloadAsync(app, snapshot), await response.Content.ReadAsByteArrayAsync());
            Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString());
        }

        var query = System.Web.HttpUtility.ParseQueryString(good.Query);
        var sig = query["sig"]!;
        query["sig"] = (sig[0] == 'A' ? 'B' : 'A') + sig[1..];
        var tampered = new UriBuilder(good) { Query = query.ToString() }.Uri;
        using (var response = await http.GetAsync(tampered)) Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        query = System.Web.HttpUtility.ParseQueryString(good.Query);
        query["se"] = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ"); // extend the expiry without re-signing
        using (var response = await http.GetAsync(new UriBuilder(good) { Query = query.ToString() }.Uri)) Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var expired = await links.CreateReadLinkAsync(snapshot.BlobName, DateTimeOffset.UtcNow.AddMinutes(-1), default);
        using (var response = await http.GetAsync(expired)) Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var anonymous = links.Container.GetBlobClient(snapshot.BlobName).Uri; // the container is private
        using (var response = await http.GetAsync(anonymous)) Assert.False(response.IsSuccessStatusCode);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
