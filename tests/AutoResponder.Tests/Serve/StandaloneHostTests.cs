using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Cli.Serve;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.Tests.Serve;

[Collection(AzuriteCollection.Name)]
public sealed class StandaloneHostTests(AzuriteFixture azurite)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private const string IngestKey = "ingest-key-0123456789";

    [Fact]
    public async Task An_incident_lives_its_whole_life_over_real_HTTP()
    {
        await using var host = await RunningHost.StartAsync(azurite, IngestKey);
        var monitoring = host.NewClient(null);
        monitoring.DefaultRequestHeaders.Add("x-functions-key", IngestKey);
        var alice = await host.ClientAs("alice@shop.example", "responder");
        var bob = await host.ClientAs("bob@shop.example", "responder");
        var manager = await host.ClientAs("manager@shop.example", "viewer");
        var alertmanager = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Samples", "Alertmanager", "alertmanager-group.json"));

        // Alertmanager sends several alerts in one delivery: one result each.
        var intake = await monitoring.PostAsync("/api/alerts", Json(alertmanager));
        Assert.Equal(HttpStatusCode.Accepted, intake.StatusCode);
        var results = JsonNode.Parse(await intake.Content.ReadAsStringAsync())!["results"]!.AsArray();
        Assert.Equal(3, results.Count);
        var id = (string)results.First(r => (string?)r!["outcome"] == "opened")!["incidentId"]!;

        var redelivery = JsonNode.Parse(await (await monitoring.PostAsync("/api/alerts", Json(alertmanager))).Content.ReadAsStringAsync())!["results"]!.AsArray();
        Assert.All(redelivery.Where(r => (string?)r!["incidentId"] == id), r => Assert.Equal("duplicate", (string?)r!["outcome"]));

        var open = JsonNode.Parse(await manager.GetStringAsync("/api/incidents?status=open"))!["incidents"]!.AsArray();
        Assert.Contains(open, i => (string?)i!["id"] == id);

        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/incidents/{id}/acknowledge", Json("{}"))).StatusCode);

        var eta = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().AddHours(3);
        eta = new DateTimeOffset(eta.Year, eta.Month, eta.Day, eta.Hour, 0, 0, TimeSpan.Zero);
        var status = await alice.PostAsync($"/api/incidents/{id}/status",
            Json($$"""{"text":"Payment provider timeouts","nextSteps":"Fail over to backup PSP","eta":"{{eta:yyyy-MM-ddTHH:mm:ssZ}}"}"""));
        var afterStatus = JsonNode.Parse(await status.Content.ReadAsStringAsync())!;
        Assert.Equal("Fail over to backup PSP", (string?)afterStatus["statusUpdate"]!["nextSteps"]);
        Assert.Equal($"{eta:yyyy-MM-ddTHH:00:00}+00:00", (string?)afterStatus["statusUpdate"]!["eta"]);
        Assert.Equal("alice@shop.example", (string?)afterStatus["statusUpdate"]!["by"]);

        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/incidents/{id}/mitigate", Json("""{"text":"Failed over"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync($"/api/incidents/{id}/resolve", Json("{}"))).StatusCode);
        var close = await bob.PostAsync($"/api/incidents/{id}/close", Json("""{"text":"RCA scheduled"}"""));
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);

        var incident = JsonNode.Parse(await manager.GetStringAsync($"/api/incidents/{id}"))!;
        Assert.Equal("closed", (string?)incident["status"]);
        Assert.Equal("alice@shop.example", (string?)incident["owner"]);
        var timeline = JsonNode.Parse(await manager.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray();
        Assert.Equal(["opened", "acknowledged", "status", "mitigated", "resolved", "closed"],
            timeline.Select(t => (string)t!["kind"]!).Where(k => k is "opened" or "acknowledged" or "status" or "mitigated" or "resolved" or "closed"));
        Assert.Equal("alice@shop.example", (string?)timeline.First(t => (string?)t!["kind"] == "acknowledged")!["actor"]);
        Assert.Equal("bob@shop.example", (string?)timeline.Last(t => (string?)t!["kind"] == "closed")!["actor"]);

        Assert.DoesNotContain(JsonNode.Parse(await manager.GetStringAsync("/api/incidents"))!["incidents"]!.AsArray(), i => (string?)i!["id"] == id);
        Assert.Contains(JsonNode.Parse(await manager.GetStringAsync("/api/incidents?status=closed"))!["incidents"]!.AsArray(), i => (string?)i!["id"] == id);
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData("wrong-key-0123456789", 401)]
    [InlineData(IngestKey, 202)]
    public async Task Alerts_require_the_ingest_key_in_the_header_or_the_code_query(string? key, int expected)
    {
        await using var host = await RunningHost.StartAsync(azurite, IngestKey);
        var anonymous = host.NewClient(null);

        var byHeader = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Content = Json("""{"title":"Search down"}""") };
        if (key is not null) byHeader.Headers.Add("x-functions-key", key);
        var byQuery = await anonymous.PostAsync(key is null ? "/api/alerts" : $"/api/alerts?code={key}", Json("""{"title":"Search down"}"""));

        Assert.Equal(expected, (int)(await anonymous.SendAsync(byHeader)).StatusCode);
        Assert.Equal(expected, (int)byQuery.StatusCode);
        if (expected == 401) await BadInputTests.AssertProblem(byQuery, 401, "x-functions-key", "no key");
    }

    [Theory]
    [InlineData("http://0.0.0.0:7071", false, "http://127.0.0.1:7071")]
    [InlineData("http://*:8080", false, "http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:7071", false, "http://127.0.0.1:7071")]
    [InlineData("http://0.0.0.0:7071", true, "http://0.0.0.0:7071")]
    public void Without_a_key_the_host_binds_loopback_only_and_says_so(string asked, bool hasKey, string expected)
    {
        var (urls, notice) = StandaloneHost.ChooseUrls(asked, hasKey);
        Assert.Equal(expected, urls);
        Assert.Contains(hasKey ? "requires the ingest key" : "loopback only", notice);
    }

    [Theory]
    [InlineData("AutoResponder:Grouping:WindowMinutes=-5", "AutoResponder:Grouping:WindowMinutes")]
    [InlineData("AutoResponder:Outbox:MaxAttempts=0", "AutoResponder:Outbox:MaxAttempts")]
    [InlineData("AutoResponder:Grouping:Fields:0=colour", "AutoResponder:Grouping:Fields:0")]
    [InlineData("AutoResponder:WhenAllAlertsResolved=Panic", "AutoResponder:WhenAllAlertsResolved")]
    [InlineData("AutoResponder:Serve:MaxConnections=1", "AutoResponder:Serve:MaxConnections")]
    public async Task A_bad_setting_stops_start_up_with_a_message_naming_it(string setting, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunningHost.StartAsync(azurite, null, setting));
        var message = error is OptionsValidationException v ? string.Join(" ", v.Failures) : error.ToString();
        Assert.Contains(named, message);
    }
}

