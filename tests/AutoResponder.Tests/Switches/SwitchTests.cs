using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.Switches;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;
using Microsoft.Extensions.DependencyInjection;
using Moq.Protected;

namespace AutoResponder.Tests.Switches;

[Collection(AzuriteCollection.Name)]
public sealed class SwitchTests(AzuriteFixture azurite)
{
    private static Dictionary<string, string?> Settings(bool teams = false, bool mail = false)
    {
        var s = new Dictionary<string, string?>
        {
            ["AutoResponder:Switches:Declared:0:Name"] = "checkout-paused",
            ["AutoResponder:Switches:Declared:0:Description"] = "Stop accepting orders at checkout",
            ["AutoResponder:Switches:Declared:1:Name"] = "maintenance-banner",
            ["AutoResponder:Switches:Declared:1:Description"] = "Show the maintenance banner",
        };
        if (teams)
        {
            s["AutoResponder:Teams:Enabled"] = "true";
            s["AutoResponder:Teams:TeamId"] = "team-1";
            s["AutoResponder:Teams:ChannelId"] = "19:chan-1@thread.tacv2";
            s["AutoResponder:Teams:People:alice"] = "0c8a2d4e-1111-4a2b-9c3d-5e6f7a8b9c0d";
        }
        if (mail)
        {
            s["AutoResponder:Mail:Sender"] = "incidents@contoso.com";
            s["AutoResponder:Mail:ManagerRecipients:Default"] = "managers@contoso.com";
            s["AutoResponder:StatusEmails:Enabled"] = "true";
        }
        return s;
    }

    private static async Task<string> OpenAsync(TestApp app) =>
        (await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert("fp-" + Guid.NewGuid().ToString("N")[..6], app.Time.GetUtcNow(), AutoResponder.Alerts.Severity.Sev1), default)).IncidentId!;

    private static async Task<IncidentDetails> DetailsAsync(TestApp app, string id) => (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;

    [Fact]
    public async Task Flipping_records_state_and_a_timeline_entry_replies_in_Teams_and_the_next_status_email_says_so()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings(teams: true, mail: true), graph.Install);
        var id = await OpenAsync(app);
        var runner = app.Get<OutboxRunner>();
        await runner.RunAsync(id, default);
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var flippedAt = app.Time.GetUtcNow();

        var flip = await app.Get<SwitchService>().FlipAsync(id, "maintenance-banner", true, "Prices wrong at checkout", "alice", null, default);
        Assert.True(flip.Changed);
        Assert.Equal(new SwitchState("maintenance-banner", "Show the maintenance banner", true, flippedAt, "alice", id), flip.Switch);
        var again = await app.Get<SwitchService>().FlipAsync(id, "maintenance-banner", true, null, "bob", null, default);
        Assert.False(again.Changed);                                         // already on: no second entry
        Assert.Equal("alice", again.Switch.By);

        var entry = Assert.Single((await DetailsAsync(app, id)).Timeline, t => t.Kind == SwitchKinds.Flipped);
        Assert.Equal("alice", entry.Actor);
        Assert.Contains("maintenance-banner turned ON: Prices wrong at checkout", entry.Text);
        await runner.RunAsync(id, default);
        Assert.Contains(graph.Posts("/replies"), r => r.Body!.Contains("maintenance-banner turned ON"));

        app.Time.Advance(TimeSpan.FromMinutes(29));                         // Sev1: next status email slot
        await app.Get<AutoResponder.StatusEmails.StatusEmailSweep>().SweepAsync(default);
        await runner.RunAsync(id, default);
        var update = graph.SendMails.Last();
        Assert.Contains("Status update", update.Subject);
        Assert.Contains("maintenance-banner turned ON", update.Html);       // what changed
        Assert.Contains($"Switch still on: maintenance-banner on since {flippedAt:yyyy-MM-dd HH:mm} UTC (by alice)", update.Html); // call-out

        var state = (await app.Get<SwitchService>().ListAsync(default)).Single(s => s.Name == "maintenance-banner");
        Assert.True(state.On);
        Assert.False((await app.Get<SwitchService>().ListAsync(default)).Single(s => s.Name == "checkout-paused").On);
    }

    [Fact]
    public async Task At_resolution_a_switch_still_on_is_called_out_in_Teams_and_the_final_email_and_an_hour_later_the_owner_is_nudged_once()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings(teams: true, mail: true), graph.Install);
        var id = await OpenAsync(app);
        var runner = app.Get<OutboxRunner>();
        await app.Get<IncidentService>().AcknowledgeAsync(id, "alice", "alice", default);
        await app.Get<SwitchService>().FlipAsync(id, "checkout-paused", true, null, "alice", null, default);
        await app.Get<IncidentService>().ResolveAsync(id, "fixed", "alice", default);
        await runner.RunAsync(id, default);

        var details = await DetailsAsync(app, id);
        var stillOn = Assert.Single(details.Timeline, t => t.Kind == SwitchKinds.StillOn);
        Assert.Contains("checkout-paused on since", stillOn.Text);
        Assert.Contains(graph.Posts("/replies"), r => r.Body!.Contains("still on"));
        Assert.Contains("Switch still on: checkout-paused", graph.SendMails.Single(m => m.Subject.Contains("final update")).Html);

        var nudge = app.Get<SwitchNudgeJob>();
        app.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(await nudge.RunAsync(default));
        app.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(["checkout-paused"], await nudge.RunAsync(default));
        Assert.Empty(await nudge.RunAsync(default));                          // once per resolution
        var entry = Assert.Single((await DetailsAsync(app, id)).Timeline, t => t.Kind == SwitchKinds.Nudge);
        Assert.Contains("still on 1h 1m after resolution", entry.Text);
        await runner.RunAsync(id, default);
        var reply = graph.Posts("/replies").Last();
        Assert.Contains("checkout-paused is still on", reply.Body);
        Assert.Contains("mention", reply.Body);                               // the owner is @mentioned

        await app.Get<SwitchService>().FlipAsync(id, "checkout-paused", false, "orders flow again", "alice", null, default); // off after resolution is fine
        Assert.Empty(await app.Get<SwitchService>().OnForAsync(id, default));
        await Assert.ThrowsAsync<InvalidTransitionException>(() => app.Get<SwitchService>().FlipAsync(id, "checkout-paused", true, null, "alice", null, default));
    }

    [Fact]
    public async Task A_flip_from_a_stale_page_is_refused_and_the_switch_stays_as_it_was()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings());
        var id = await OpenAsync(app);
        var stale = new IncidentPrecondition(_ => false); // the incident changed since the page read it
        await Assert.ThrowsAsync<IncidentPreconditionFailedException>(() =>
            app.Get<SwitchService>().FlipAsync(id, "checkout-paused", true, null, "alice", stale, default));
        Assert.False((await app.Get<SwitchStore>().GetAsync("checkout-paused", default))?.On ?? false);
        Assert.DoesNotContain((await DetailsAsync(app, id)).Timeline, t => t.Kind == SwitchKinds.Flipped);
    }

    [Fact]
    public async Task Two_responders_flipping_at_once_leave_one_state_and_one_entry_per_change()
    {
        await using var app = await TestApp.StartAsync(azurite, Settings());
        var id = await OpenAsync(app);
        var flips = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => app.Get<SwitchService>().FlipAsync(id, "checkout-paused", true, null, $"r{i}", null, default)));
        Assert.Single(flips, f => f.Changed);
        Assert.Single((await DetailsAsync(app, id)).Timeline, t => t.Kind == SwitchKinds.Flipped);
    }

    [Fact]
    public async Task The_mirror_sets_an_App_Configuration_feature_flag_for_each_switch_after_a_flip()
    {
        var mirror = new Moq.Mock<IFeatureFlagMirror>();
        var settings = Settings();
        settings["AutoResponder:Switches:AppConfiguration:Endpoint"] = "https://shop.azconfig.io";
        await using var app = await TestApp.StartAsync(azurite, settings, s => s.AddSingleton(mirror.Object));
        var id = await OpenAsync(app);
        await app.Get<SwitchService>().FlipAsync(id, "checkout-paused", true, null, "alice", null, default);
        await app.Get<OutboxRunner>().RunAsync(id, default);
        mirror.Verify(m => m.SetAsync("checkout-paused", true, "Stop accepting orders at checkout", Moq.It.IsAny<CancellationToken>()), Moq.Times.Once);
        mirror.Verify(m => m.SetAsync("maintenance-banner", false, Moq.It.IsAny<string>(), Moq.It.IsAny<CancellationToken>()), Moq.Times.Once);
    }

    [Fact]
    public async Task App_Configuration_client_puts_a_feature_flag_with_an_Entra_token()
    {
        var credential = new Moq.Mock<Azure.Core.TokenCredential>();
        credential.Setup(c => c.GetTokenAsync(Moq.It.Is<Azure.Core.TokenRequestContext>(r => r.Scopes.Single() == "https://shop.azconfig.io/.default"), Moq.It.IsAny<CancellationToken>()))
            .Returns(new ValueTask<Azure.Core.AccessToken>(new Azure.Core.AccessToken("tok", DateTimeOffset.MaxValue)));
        HttpRequestMessage? sent = null;
        string? body = null;
        var handler = new Moq.Mock<HttpMessageHandler>();
        handler.Protected()
            .Setup<Task<HttpResponseMessage>>("SendAsync", ItExpr.IsAny<HttpRequestMessage>(), ItExpr.IsAny<CancellationToken>())
            .Returns(async (HttpRequestMessage r, CancellationToken _) => { sent = r; body = await r.Content!.ReadAsStringAsync(); return new HttpResponseMessage(HttpStatusCode.OK); });
        var client = new AppConfigurationFeatureFlags(new HttpClient(handler.Object), credential.Object, new AppConfigurationMirrorOptions { Endpoint = "https://shop.azconfig.io", Label = "prod" });

        await client.SetAsync("checkout-paused", true, "Stop orders", default);

        Assert.Equal(HttpMethod.Put, sent!.Method);
        Assert.Equal("https://shop.azconfig.io/kv/.appconfig.featureflag%2Fcheckout-paused?api-version=1.0&label=prod", sent.RequestUri!.AbsoluteUri);
        Assert.Equal("Bearer tok", sent.Headers.Authorization!.ToString());
        using var json = JsonDocument.Parse(body!);
        Assert.Equal(AppConfigurationFeatureFlags.FlagContentType, json.RootElement.GetProperty("content_type").GetString());
        using var flag = JsonDocument.Parse(json.RootElement.GetProperty("value").GetString()!);
        Assert.Equal("checkout-paused", flag.RootElement.GetProperty("id").GetString());
        Assert.True(flag.RootElement.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task The_routes_flip_and_list_switches_with_ETag_and_Cache_Control_and_refuse_bad_input()
    {
        await using var host = await RunningHost.StartAsync(azurite, null,
            "AutoResponder:Switches:Declared:0:Name=checkout-paused", "AutoResponder:Switches:Declared:0:Description=Stop orders", "AutoResponder:Switches:CacheSeconds=15");
        var opened = await host.Client.PostAsJsonAsync("/api/alerts", new { title = "Prices wrong", severity = "Sev1", service = "checkout" });
        var id = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("incidentId").GetString();

        var list = await host.Client.GetAsync("/api/switches");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.True(list.Headers.CacheControl!.Private);
        Assert.Equal(TimeSpan.FromSeconds(15), list.Headers.CacheControl.MaxAge);
        var etag = list.Headers.ETag!;
        var before = await list.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(before.GetProperty("switches")[0].GetProperty("on").GetBoolean());

        var unchanged = new HttpRequestMessage(HttpMethod.Get, "/api/switches");
        unchanged.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await host.Client.SendAsync(unchanged)).StatusCode);

        var flip = await host.Client.PostAsJsonAsync($"/api/incidents/{id}/switches/checkout-paused", new { on = true, reason = "stop the bleeding", actor = "alice" });
        Assert.Equal(HttpStatusCode.OK, flip.StatusCode);
        Assert.True((await flip.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetBoolean());

        var stale = new HttpRequestMessage(HttpMethod.Get, "/api/switches");
        stale.Headers.IfNoneMatch.Add(etag);
        var after = await host.Client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);                   // changed: the old ETag no longer matches
        var sw = (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("switches")[0];
        Assert.True(sw.GetProperty("on").GetBoolean());
        Assert.Equal(RunningHost.Responder, sw.GetProperty("by").GetString()); // the signed-in caller, not the body's "actor"
        Assert.Equal(id, sw.GetProperty("incidentId").GetString());
        Assert.True(sw.TryGetProperty("since", out _));

        async Task<(HttpStatusCode, string?)> Problem(string url, object body)
        {
            var r = await host.Client.PostAsJsonAsync(url, body);
            return (r.StatusCode, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        }
        Assert.Equal((HttpStatusCode.NotFound, "name"), await Problem($"/api/incidents/{id}/switches/no-such", new { on = true, actor = "a" }));
        Assert.Equal((HttpStatusCode.BadRequest, "on"), await Problem($"/api/incidents/{id}/switches/checkout-paused", new { actor = "a" }));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "on"), await Problem($"/api/incidents/{id}/switches/checkout-paused", new { on = "yes", actor = "a" }));
        Assert.Equal((HttpStatusCode.NotFound, "id"), await Problem("/api/incidents/INC-20260101-ZZZZ/switches/checkout-paused", new { on = true, actor = "a" }));
    }
}
