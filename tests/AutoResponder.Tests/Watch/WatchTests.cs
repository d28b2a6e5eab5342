using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Watch;
using static AutoResponder.Tests.Impact.ImpactTestKit;

namespace AutoResponder.Tests.Watch;

[Collection(AzuriteCollection.Name)]
public sealed class WatchTests(AzuriteFixture azurite)
{
    private static Order Mug(string id, DateTimeOffset at, decimal price = 10m) => new()
    {
        OrderId = id,
        CreatedAt = at,
        CustomerId = "c-" + id,
        Sku = "SKU-1",
        Quantity = 1,
        UnitPrice = price,
        Currency = "EUR",
        Total = price,
        Channel = "web",
    };

    private static Dictionary<string, string?> Settings(bool teams = false)
    {
        var s = Rules([("Name", "price-tampering"), ("Kind", "BelowCatalogPrice"), ("Services:0", "checkout")]);
        if (teams)
        {
            s["AutoResponder:Teams:Enabled"] = "true";
            s["AutoResponder:Teams:TeamId"] = "team-1";
            s["AutoResponder:Teams:ChannelId"] = "19:chan-1@thread.tacv2";
        }
        return s;
    }

    private static async Task<IncidentDetails> DetailsAsync(TestApp app, string id) => (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;

    [Fact]
    public async Task After_mitigation_new_affected_orders_are_reported_in_Teams_and_after_resolution_they_reopen_the_incident()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings(teams: true), graph.Install);
        await SeedAsync(app);
        var t0 = app.Time.GetUtcNow();
        var id = await OpenIncidentAsync(app, t0.AddMinutes(-10));
        await app.Get<IncidentService>().AcknowledgeAsync(id, "alice", "alice", default);
        await app.Get<IncidentService>().MitigateAsync(id, "checkout paused", "alice", default);
        await RunOutboxAsync(app, id);
        var started = Assert.Single((await DetailsAsync(app, id)).Timeline, t => t.Kind == WatchKinds.Started);
        Assert.Contains("until 2026-11-26 11:00 UTC", started.Text);              // 2 h by default

        var watch = app.Get<WatchService>();
        await SeedAsync(app, Mug("before-mitigation", t0.AddSeconds(-1), 1m), Mug("clean", t0.AddMinutes(1)), Mug("bad", t0.AddMinutes(2), 2m));
        app.Time.Advance(TimeSpan.FromMinutes(5));
        var check = Assert.Single(await watch.CheckAllAsync(default));
        Assert.Equal((WatchCheck.AffectedWhileMitigated, 2L, 1L), (check.Outcome, check.OrdersChecked, check.Affected)); // before-mitigation is not read
        var affected = Assert.Single((await DetailsAsync(app, id)).Timeline, t => t.Kind == WatchKinds.Affected);
        Assert.Contains("1 new affected order(s) of 2 checked", affected.Text);
        Assert.Contains("EUR 8.00", affected.Text);
        Assert.Equal(IncidentStatus.Mitigated, (await DetailsAsync(app, id)).Incident.Status);
        await RunOutboxAsync(app, id);
        Assert.Contains(graph.Posts("/replies"), r => r.Body!.Contains("new affected order"));

        Assert.Equal(WatchCheck.Clean, Assert.Single(await watch.CheckAllAsync(default)).Outcome); // nothing new: nothing twice

        await app.Get<IncidentService>().ResolveAsync(id, "fix deployed", "alice", default);
        await RunOutboxAsync(app, id);
        var resolvedAt = app.Time.GetUtcNow();
        Assert.Equal("resolved", (await watch.GetAsync(id, default))!.Phase);
        Assert.Equal(resolvedAt.AddHours(2), (await watch.GetAsync(id, default))!.Until);   // extended from resolution

        await SeedAsync(app, Mug("after-fix-bad", resolvedAt.AddMinutes(3), 1m));
        app.Time.Advance(TimeSpan.FromMinutes(5));
        check = Assert.Single(await watch.CheckAllAsync(default));
        Assert.Equal(WatchCheck.Reopened, check.Outcome);
        var details = await DetailsAsync(app, id);
        Assert.Equal(IncidentStatus.Acknowledged, details.Incident.Status);                 // back to its owner
        Assert.Contains(details.Timeline, t => t.Kind == TimelineKinds.Reopened && t.Text.Contains("Reopened by the watch: 1 new affected order"));
        Assert.Null(await watch.GetAsync(id, default));                                      // live again: the watch stops
    }

    [Fact]
    public async Task A_clean_watch_ends_after_its_period_and_handover_and_signoff_are_recorded_through_the_routes()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings());
        await SeedAsync(app);
        var t0 = app.Time.GetUtcNow();
        var id = await OpenIncidentAsync(app, t0.AddMinutes(-10));
        await app.Get<IncidentService>().ResolveAsync(id, "fixed", "alice", default);
        await RunOutboxAsync(app, id);
        await SeedAsync(app, Enumerable.Range(0, 20).Select(i => Mug($"ok{i}", t0.AddMinutes(5 * i + 1))).ToArray());
        app.Time.Advance(TimeSpan.FromHours(3));
        var check = Assert.Single(await app.Get<WatchService>().CheckAllAsync(default));
        Assert.Equal((WatchCheck.Ended, 20L, 0L), (check.Outcome, check.OrdersChecked, check.Affected));
        Assert.Contains((await DetailsAsync(app, id)).Timeline, t => t.Kind == WatchKinds.Ended && t.Text.Contains("20 new orders checked, 0 affected"));

        // a second incident, through the HTTP routes of the standalone host
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Impact:Rules:0:Name=all", "AutoResponder:Impact:Rules:0:MatchAll=true");
        var opened = await host.Client.PostAsJsonAsync("/api/alerts", new { title = "Prices wrong", severity = "Sev2", service = "checkout" });
        var id2 = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("incidentId").GetString()!;
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.PostAsJsonAsync($"/api/incidents/{id2}/watch/handover", new { to = "bob", actor = "alice" })).StatusCode);
        await host.Client.PostAsJsonAsync($"/api/incidents/{id2}/mitigate", new { actor = "alice" });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement watch;
        do { await Task.Delay(100); watch = await host.Client.GetFromJsonAsync<JsonElement>($"/api/incidents/{id2}/watch"); }
        while (!watch.GetProperty("running").GetBoolean() && DateTime.UtcNow < deadline);   // the outbox starts it
        Assert.True(watch.GetProperty("running").GetBoolean());

        var alice = await host.ClientAs("alice", AutoResponder.Access.Roles.Responder);
        var bob = await host.ClientAs("bob@shop.example", AutoResponder.Access.Roles.Responder);
        var stale = (await host.Client.GetAsync($"/api/incidents/{id2}")).Headers.ETag!;
        var handover = await alice.PostAsJsonAsync($"/api/incidents/{id2}/watch/handover", new { to = "bob@shop.example", note = "night shift" });
        Assert.Equal(HttpStatusCode.OK, handover.StatusCode);
        Assert.Equal("bob@shop.example", (await handover.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("watchedBy").GetString());
        // a handover from a page read before that one: 412, and the watch stays with bob
        var fromStalePage = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id2}/watch/handover") { Content = JsonContent.Create(new { to = "carol@shop.example" }) };
        fromStalePage.Headers.IfMatch.Add(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await alice.SendAsync(fromStalePage)).StatusCode);
        Assert.Equal("bob@shop.example", (await host.Client.GetFromJsonAsync<JsonElement>($"/api/incidents/{id2}/watch")).GetProperty("watchedBy").GetString());
        var bad = await host.Client.PostAsJsonAsync($"/api/incidents/{id2}/watch/handover", new { actor = "alice" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var signoff = await bob.PostAsJsonAsync($"/api/incidents/{id2}/watch/signoff", new { text = "orders clean" });
        Assert.Equal(HttpStatusCode.OK, signoff.StatusCode);
        Assert.False((await host.Client.GetFromJsonAsync<JsonElement>($"/api/incidents/{id2}/watch")).GetProperty("running").GetBoolean());
        var timeline = (await host.Client.GetFromJsonAsync<JsonElement>($"/api/incidents/{id2}/timeline?limit=100")).GetProperty("timeline").EnumerateArray().ToList();
        Assert.Contains(timeline, t => t.GetProperty("kind").GetString() == WatchKinds.HandedOver && t.GetProperty("text").GetString()!.Contains("to bob@shop.example") && t.GetProperty("actor").GetString() == "alice");
        Assert.Contains(timeline, t => t.GetProperty("kind").GetString() == WatchKinds.SignedOff && t.GetProperty("actor").GetString() == "bob@shop.example");
    }
}
