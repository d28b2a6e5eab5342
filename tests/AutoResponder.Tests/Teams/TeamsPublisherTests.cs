using System.Net;
using System.Text.Json.Nodes;
using AutoResponder.Graph;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using AutoResponder.Teams;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Teams;

/// <summary>The Teams outbox end to end: real composition root over Azurite, Graph SDK + middleware, fake wire.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TeamsPublisherTests(AzuriteFixture azurite)
{
    private const string JaneId = "0c8a2d4e-1111-4a2b-9c3d-5e6f7a8b9c0d";
    private const string Root = "/v1.0/teams/team-1/channels/19:chan-1@thread.tacv2/messages";

    private static Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AutoResponder:Teams:Enabled"] = "true",
            ["AutoResponder:Teams:TeamId"] = "team-1",
            ["AutoResponder:Teams:ChannelId"] = "19:chan-1@thread.tacv2",
            ["AutoResponder:Teams:People:Jane Doe"] = JaneId,
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return settings;
    }

    private Task<TestApp> StartAsync(FakeGraphHandler fake, Dictionary<string, string?>? extra = null, IGraphCredentials? credentials = null) =>
        TestApp.StartAsync(azurite, Settings(extra), services =>
        {
            services.AddSingleton(new GraphTransport(() => fake));
            if (credentials is not null) services.AddSingleton(credentials);
        });

    private static async Task<string> OpenAsync(TestApp app, string dedup)
    {
        var result = await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert(dedup, app.Time.GetUtcNow()), default);
        return result.IncidentId!;
    }

    private static Task<TeamsState> ThreadAsync(TestApp app, string id) => app.Get<IncidentStates>().ReadAsync<TeamsState>(id, default);

    private static async Task<IncidentDetails> DetailsAsync(TestApp app, string id) => (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;

    private static Task RunAsync(TestApp app, string id) => app.Get<OutboxRunner>().RunAsync(id, default);

    [Fact]
    public async Task Opening_posts_one_root_and_acknowledging_replies_in_the_thread_and_updates_the_root_in_place()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-flow");

        await RunAsync(app, id);

        var post = Assert.Single(fake.Requests);
        Assert.Equal(HttpMethod.Post, post.Method);
        Assert.Equal(Root, post.Path);
        Assert.Equal("[Sev2] [Open] Checkout errors teams-flow", post.Json!["subject"]!.GetValue<string>());
        Assert.Equal("html", post.Json["body"]!["contentType"]!.GetValue<string>());
        Assert.Equal("Open", CardFact(post.Json, "Status"));
        var thread = await ThreadAsync(app, id);
        Assert.Equal("1001", thread.RootMessageId);
        Assert.Equal("team-1", thread.TeamId);
        Assert.Equal("19:chan-1@thread.tacv2", thread.ChannelId);

        await app.Get<IncidentService>().AcknowledgeAsync(id, "Jane Doe", "jane", default);
        await RunAsync(app, id);

        Assert.Equal(3, fake.Requests.Count);
        var reply = fake.Requests[1];
        Assert.Equal(HttpMethod.Post, reply.Method);
        Assert.Equal($"{Root}/1001/replies", reply.Path);
        Assert.Contains("<b>Acknowledged</b>", reply.Json!["body"]!["content"]!.GetValue<string>());
        Assert.Contains("<at id=\"0\">Jane Doe</at>", reply.Json["body"]!["content"]!.GetValue<string>());
        var mention = reply.Json["mentions"]![0]!;
        Assert.Equal(0, mention["id"]!.GetValue<int>());
        Assert.Equal("Jane Doe", mention["mentionText"]!.GetValue<string>());
        Assert.Equal(JaneId, mention["mentioned"]!["user"]!["id"]!.GetValue<string>());

        var patch = fake.Requests[2];
        Assert.Equal(HttpMethod.Patch, patch.Method);
        Assert.Equal($"{Root}/1001", patch.Path);
        Assert.Equal("[Sev2] [Acknowledged] Checkout errors teams-flow", patch.Json!["subject"]!.GetValue<string>());
        Assert.Contains("Owner: <at id=\"0\">Jane Doe</at>", patch.Json["body"]!["content"]!.GetValue<string>());
        Assert.Equal("Jane Doe", CardFact(patch.Json, "Owner"));
        Assert.Equal(JaneId, patch.Json["mentions"]![0]!["mentioned"]!["user"]!["id"]!.GetValue<string>());

        var details = await DetailsAsync(app, id);
        var ack = details.Timeline.Single(t => t.Kind == TimelineKinds.Acknowledged);
        Assert.Equal("1002", (await app.Get<IncidentStates>().ReadAsync<SentMarker>(id, TeamsState.ReplyMarker(ack.RowKey), default)).Ref);
        Assert.All(details.Actions, a => Assert.Equal(OutboxStatus.Done, a.Status));
    }

    [Fact]
    public async Task A_throttled_post_is_retried_by_the_middleware_and_posted_once()
    {
        var fake = new FakeGraphHandler().ThenStatus(HttpStatusCode.TooManyRequests, retryAfter: "0");
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-429");

        await RunAsync(app, id);

        Assert.Equal(2, fake.Requests.Count);
        Assert.All(fake.Requests, r => Assert.Equal(Root, r.Path));
        Assert.Equal("1001", (await ThreadAsync(app, id)).RootMessageId);
        Assert.Equal(OutboxStatus.Done, Assert.Single((await DetailsAsync(app, id)).Actions).Status);
    }

    [Fact]
    public async Task Running_the_outbox_again_posts_nothing_twice()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-twice");
        await app.Get<IncidentService>().UpdateStatusAsync(id, "Rolling back", "Watch errors", app.Time.GetUtcNow().AddHours(1), "jane", default);

        await RunAsync(app, id);
        var count = fake.Requests.Count;
        await RunAsync(app, id);
        await app.Get<OutboxSweeper>().SweepAsync(default);

        Assert.Equal(2, count); // root (already showing the status), reply; no PATCH: the root shows that state already
        Assert.Equal(count, fake.Requests.Count);
        Assert.Single(fake.Posts("/messages"));
        Assert.Single(fake.Posts("/replies"));
    }

    [Fact]
    public async Task The_look_for_a_lost_root_post_keeps_to_the_channels_limits_and_waits_out_its_pause()
    {
        TimeProvider? clock = null;
        var fake = new FakeGraphHandler().ThenLoseAnswer(r => r.Path.EndsWith("/messages", StringComparison.Ordinal), "lost-2",
            () => clock!.GetUtcNow());
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:ReadChannelMessages"] = "true" });
        clock = app.Time;
        var id = await OpenAsync(app, "teams-lost-paused");
        await RunAsync(app, id); // posted; the answer is lost

        // Graph answered another call of this channel with 429 and a Retry-After of 30 s.
        app.Get<TeamsRateLimiter>().Pause(new TeamsCall("team-1", "19:chan-1@thread.tacv2", NewMessage: false, FirstNotice: false), TimeSpan.FromSeconds(30));
        app.Time.Advance(TimeSpan.FromSeconds(10));
        await RunAsync(app, id);
        Assert.DoesNotContain(fake.Requests, r => r.Method == HttpMethod.Get); // not read during the pause: back to the outbox
        Assert.Null((await ThreadAsync(app, id)).RootMessageId);

        app.Time.Advance(TimeSpan.FromSeconds(30));
        await RunAsync(app, id);
        Assert.Single(fake.Requests, r => r.Method == HttpMethod.Get);
        Assert.Equal("lost-2", (await ThreadAsync(app, id)).RootMessageId);
        Assert.Single(fake.Posts("/messages"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_root_post_whose_answer_was_lost_is_looked_for_in_the_channel_before_posting_again(bool mayRead)
    {
        // Graph posts the root post, then the answer never arrives (the connection drops, as when the host dies).
        TimeProvider? clock = null; // the app's clock: Graph dates the lost post on it
        var fake = new FakeGraphHandler().ThenLoseAnswer(r => r.Path.EndsWith("/messages", StringComparison.Ordinal), "lost-1",
            () => clock!.GetUtcNow(),
            new JsonObject { ["id"] = "someone-else", ["subject"] = "Lunch?", ["body"] = new JsonObject { ["content"] = "INC-20261126-0000000000000" } });
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:ReadChannelMessages"] = mayRead.ToString() });
        clock = app.Time;
        var id = await OpenAsync(app, "teams-lost-" + mayRead);

        await RunAsync(app, id);
        Assert.Null((await ThreadAsync(app, id)).RootMessageId); // the outcome is unknown
        app.Time.Advance(TimeSpan.FromMinutes(30));
        await RunAsync(app, id);

        var thread = await ThreadAsync(app, id);
        if (mayRead)
        {
            Assert.Single(fake.Posts("/messages")); // found in the channel, not posted twice
            Assert.Equal("lost-1", thread.RootMessageId);
        }
        else
        {
            Assert.Equal(2, fake.Posts("/messages").Count()); // the documented limitation: at-least-once
            Assert.DoesNotContain(fake.Requests, r => r.Method == HttpMethod.Get);
            Assert.NotEqual("lost-1", thread.RootMessageId);
        }
        Assert.NotNull(thread.RootMessageId);
        Assert.Null(thread.RootPostingSince);
    }

    [Fact]
    public async Task A_failure_after_the_reply_was_posted_retries_without_posting_it_again()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-half");
        await RunAsync(app, id);
        fake.ThenStatus(HttpStatusCode.InternalServerError, when: r => r.Method == HttpMethod.Patch);

        await app.Get<IncidentService>().MitigateAsync(id, "Rolled back", "jane", default);
        await RunAsync(app, id);

        var action = (await DetailsAsync(app, id)).Actions.Single(a => a.Kind == TeamsOutbox.Reply.Name);
        Assert.Equal(OutboxStatus.Pending, action.Status);
        Assert.Contains("500", action.LastError);
        Assert.Single(fake.Posts("/replies"));

        app.Time.Advance(TimeSpan.FromMinutes(5));
        await RunAsync(app, id);

        action = (await DetailsAsync(app, id)).Actions.Single(a => a.Kind == TeamsOutbox.Reply.Name);
        Assert.Equal(OutboxStatus.Done, action.Status);
        Assert.Single(fake.Posts("/replies"));
        Assert.Equal(2, fake.Patches.Count());
        Assert.Contains("[Mitigated]", fake.Patches.Last().Json!["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_expired_sign_in_keeps_the_action_waiting_visibly_and_never_parks_it()
    {
        var fake = new FakeGraphHandler();
        var credentials = new SwitchableCredentials();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Outbox:MaxAttempts"] = "1" }, credentials);
        var id = await OpenAsync(app, "teams-signin");

        await RunAsync(app, id);
        app.Time.Advance(TimeSpan.FromHours(1));
        await RunAsync(app, id);

        Assert.Empty(fake.Requests);
        var details = await DetailsAsync(app, id);
        var action = Assert.Single(details.Actions);
        Assert.Equal(OutboxStatus.Pending, action.Status);
        Assert.Equal(2, action.Attempts); // beyond MaxAttempts=1, still not parked
        Assert.Contains("autoresponder graph login", action.LastError);
        Assert.DoesNotContain(details.Timeline, t => t.Kind == TimelineKinds.ActionFailed);

        credentials.SignedIn = true; // someone ran `autoresponder graph login`
        app.Time.Advance(TimeSpan.FromHours(1));
        await RunAsync(app, id);

        Assert.Single(fake.Posts("/messages"));
        Assert.Equal(OutboxStatus.Done, Assert.Single((await DetailsAsync(app, id)).Actions).Status);
    }

    [Fact]
    public async Task An_expired_sign_in_mails_the_fallback_address_at_most_once_per_interval()
    {
        var fake = new FakeGraphHandler();
        var credentials = new SwitchableCredentials(); // delegated (Teams) fails; app-only (mail) works
        await using var app = await StartAsync(fake, new()
        {
            ["AutoResponder:Mail:Sender"] = "incidents@shop.example",
            ["AutoResponder:Mail:FallbackAddress"] = "platform@shop.example",
        }, credentials);
        var first = await OpenAsync(app, "alarm-1");
        var second = await OpenAsync(app, "alarm-2");

        await RunAsync(app, first);
        await RunAsync(app, second);
        app.Time.Advance(TimeSpan.FromHours(1));
        await RunAsync(app, first);

        var alarm = Assert.Single(fake.Posts("/sendMail"));
        Assert.Equal("/v1.0/users/incidents@shop.example/sendMail", alarm.Path);
        var message = alarm.Json!["Message"]!;
        Assert.Equal("platform@shop.example", message["toRecipients"]![0]!["emailAddress"]!["address"]!.GetValue<string>());
        Assert.Contains("autoresponder graph login", message["body"]!["content"]!.GetValue<string>());
        Assert.Empty(fake.Posts("/messages")); // Teams itself still waits

        app.Time.Advance(MailSignInAlarm.Interval);
        await RunAsync(app, first);
        Assert.Equal(2, fake.Posts("/sendMail").Count());
    }

    [Fact]
    public async Task An_impact_snapshot_becomes_a_reply_and_shows_on_the_root_post()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-impact");
        await RunAsync(app, id);

        var store = app.Get<IncidentStore>();
        var incident = (await store.FindAsync(id, default))!;
        var change = new IncidentChange(incident, isNew: false) { LeaveIncidentRow = true };
        change.Add(app.Time.GetUtcNow(), "impact-snapshot", "autoresponder", "412 orders affected. Export: https://exports.example/inc.csv?sig=abc");
        await app.Get<IncidentCommits>().CommitAsync(change, default);
        await RunAsync(app, id);

        var reply = Assert.Single(fake.Posts("/replies"));
        Assert.Contains("<a href=\"https://exports.example/inc.csv?sig=abc\">", reply.Json!["body"]!["content"]!.GetValue<string>());
        var patch = Assert.Single(fake.Patches);
        Assert.StartsWith("412 orders affected.", CardFact(patch.Json!, "Impact"));
    }

    [Fact]
    public async Task A_long_impact_snapshot_is_shortened_on_the_root_post_but_kept_whole_in_its_reply()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-impact-long");
        await RunAsync(app, id);

        var store = app.Get<IncidentStore>();
        var change = new IncidentChange((await store.FindAsync(id, default))!, isNew: false) { LeaveIncidentRow = true };
        var text = "412 orders affected. " + new string('x', 2000) + " END";
        change.Add(app.Time.GetUtcNow(), TimelineKinds.ImpactSnapshot, "autoresponder", text);
        await app.Get<IncidentCommits>().CommitAsync(change, default);
        await RunAsync(app, id);

        Assert.Contains(" END", Assert.Single(fake.Posts("/replies")).Json!["body"]!["content"]!.GetValue<string>());
        var root = CardFact(Assert.Single(fake.Patches).Json!, "Impact");
        Assert.StartsWith("412 orders affected. xxx", root);
        Assert.DoesNotContain(" END", root);
        Assert.Equal(text[..TeamsPublisher.MaxImpactChars] + "…", (await ThreadAsync(app, id)).Impact);
    }

    [Fact]
    public async Task A_reminder_on_an_incident_nobody_owns_mentions_the_on_call_person_in_the_thread()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:OnCall"] = "Jane Doe" });
        var id = await OpenAsync(app, "teams-oncall");
        await RunAsync(app, id);

        var store = app.Get<IncidentStore>();
        var change = new IncidentChange((await store.FindAsync(id, default))!, isNew: false) { LeaveIncidentRow = true };
        change.Add(app.Time.GetUtcNow(), TimelineKinds.StatusOverdue, "autoresponder", "No owner has acknowledged this incident: no status update for 30 min.");
        await app.Get<IncidentCommits>().CommitAsync(change, default);
        await RunAsync(app, id);

        var reply = Assert.Single(fake.Posts("/replies"));
        Assert.Contains("On call: <at id=\"0\">Jane Doe</at>", reply.Json!["body"]!["content"]!.GetValue<string>());
        Assert.Equal(JaneId, reply.Json["mentions"]![0]!["mentioned"]!["user"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_host_stopping_right_after_Graph_answered_does_not_make_the_retry_post_again()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-shutdown");
        using var stopping = new CancellationTokenSource();
        fake.Answered = r => { if (r.Method == HttpMethod.Post) stopping.Cancel(); }; // the host shuts down as the 201 arrives

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.Get<OutboxRunner>().RunAsync(id, stopping.Token));
        fake.Answered = null;
        app.Time.Advance(TimeSpan.FromMinutes(10)); // the lease of the interrupted run runs out
        await RunAsync(app, id);

        Assert.Single(fake.Posts("/messages"));
        Assert.Equal("1001", (await ThreadAsync(app, id)).RootMessageId);
        Assert.Equal(OutboxStatus.Done, Assert.Single((await DetailsAsync(app, id)).Actions).Status);
    }

    [Fact]
    public async Task When_the_root_post_was_parked_the_next_reply_creates_it_first()
    {
        var fake = new FakeGraphHandler().ThenStatus(HttpStatusCode.BadRequest);
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "teams-noroot");
        await RunAsync(app, id);

        var details = await DetailsAsync(app, id);
        Assert.Equal(OutboxStatus.Failed, Assert.Single(details.Actions).Status); // 400 parks at once
        Assert.Contains(details.Timeline, t => t.Kind == TimelineKinds.ActionFailed);

        await app.Get<IncidentService>().AcknowledgeAsync(id, "Jane Doe", "jane", default);
        await RunAsync(app, id);

        Assert.Equal([$"POST {Root}", $"POST {Root}", $"POST {Root}/1001/replies"], fake.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Contains("[Acknowledged]", fake.Requests[1].Json!["subject"]!.GetValue<string>());
        Assert.Empty(fake.Patches); // the root was just posted with the current state
    }

    [Fact]
    public async Task Severity_routes_choose_the_channel()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new()
        {
            ["AutoResponder:Teams:Routes:0:Severities:0"] = "Sev1",
            ["AutoResponder:Teams:Routes:0:ChannelId"] = "major",
        });
        var alert = AlertIngestorTests.Alert("teams-sev1", app.Time.GetUtcNow(), severity: AutoResponder.Alerts.Severity.Sev1);
        var id = (await app.Get<AlertIngestor>().IngestAsync(alert, default)).IncidentId!;

        await RunAsync(app, id);

        Assert.Equal("/v1.0/teams/team-1/channels/major/messages", Assert.Single(fake.Requests).Path);
    }

    [Fact]
    public async Task Without_Graph_settings_the_requests_land_in_the_outbox_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "ar-teams-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:Teams:Enabled"] = "true", ["AutoResponder:Graph:OutboxFolder"] = folder });
            var id = await OpenAsync(app, "teams-file");
            await RunAsync(app, id);

            var file = JsonNode.Parse(await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(folder))))!;
            Assert.Equal("POST", file["method"]!.GetValue<string>());
            Assert.Equal($"https://graph.microsoft.com/v1.0/teams/{TeamsOptions.LocalTeamId}/channels/{TeamsOptions.LocalChannelId}/messages", file["url"]!.GetValue<string>());
            Assert.Contains("Checkout errors teams-file", file["body"]!["subject"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty((await ThreadAsync(app, id)).RootMessageId));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class SwitchableCredentials : IGraphCredentials
    {
        public bool SignedIn { get; set; }
        public TokenCredential Delegated => new Credential(this);
        public TokenCredential AppOnly => new FixedTokenCredential();

        private sealed class Credential(SwitchableCredentials owner) : TokenCredential
        {
            public override AccessToken GetToken(TokenRequestContext context, CancellationToken ct) =>
                owner.SignedIn ? new AccessToken("token", DateTimeOffset.UtcNow.AddHours(1)) : throw new AuthenticationRequiredException("The refresh token has expired.", context);

            public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext context, CancellationToken ct) => ValueTask.FromResult(GetToken(context, ct));
        }
    }

    /// <summary>A fact of the root post's Adaptive Card, as sent to Graph.</summary>
    private static string CardFact(System.Text.Json.Nodes.JsonNode message, string title)
    {
        var card = System.Text.Json.Nodes.JsonNode.Parse(message["attachments"]![0]!["content"]!.GetValue<string>())!;
        return card["body"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "FactSet")!["facts"]!.AsArray()
            .Single(f => f!["title"]!.GetValue<string>() == title)!["value"]!.GetValue<string>();
    }
}
