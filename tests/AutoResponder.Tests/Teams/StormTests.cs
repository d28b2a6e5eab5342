using System.Net;
using System.Text.Json.Nodes;
using AutoResponder.Alerts;
using AutoResponder.Cli.Serve;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.OnCall;
using AutoResponder.Outbox;
using AutoResponder.Teams;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;
using AutoResponder.Tests.Outbox;
using AutoResponder.WebConsole;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Teams;

/// <summary>Storms announced fast and calmly: first notices ahead of follow-ups, within Graph's Teams limits, and as a digest.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StormTests(AzuriteFixture azurite)
{
    private const string Channel = "19:storm@thread.tacv2";
    private const string Messages = $"/v1.0/teams/team-1/channels/{Channel}/messages";

    /// <summary>Every opening owes a follow-up ("test.followup") besides its first notice.</summary>
    private sealed class FollowUpOnOpen : IIncidentEffect
    {
        public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
        {
            if (entry.Kind == TimelineKinds.Opened) yield return ("test.followup", "{}");
        }
    }

    private Task<TestApp> StartAsync(FakeGraphHandler fake, Dictionary<string, string?>? extra = null, Action<IServiceCollection>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AutoResponder:Teams:Enabled"] = "true",
            ["AutoResponder:Teams:TeamId"] = "team-1",
            ["AutoResponder:Teams:ChannelId"] = Channel,
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return TestApp.StartAsync(azurite, settings, services =>
        {
            fake.Install(services);
            configure?.Invoke(services);
        });
    }

    private static async Task<string> OpenAsync(TestApp app, string name, Severity severity = Severity.Sev3) =>
        (await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert(name, app.Time.GetUtcNow(), severity), default)).IncidentId!;

    private static async Task<List<string>> OpenAsync(TestApp app, string name, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++) ids.Add(await OpenAsync(app, $"{name}-{i}"));
        return ids;
    }

    private static Task FirstNoticeAsync(TestApp app, string id) => app.Get<OutboxRunner>().RunAsync(id, SignalLane.FirstNotice, default);

    private static Task<TeamsState> ThreadAsync(TestApp app, string id) => app.Get<IncidentStates>().ReadAsync<TeamsState>(id, default);

    private static readonly DateTimeOffset Start = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private static TeamsRateLimiter Limiter(TimeProvider time, double channelPerSecond, double postsPerSecond) =>
        new(Options.Create(new TeamsOptions { Limits = { ChannelRequestsPerSecond = channelPerSecond, MessagePostsPerSecond = postsPerSecond } }), time);

    /// <summary>With a storm threshold of 1: the first incident gets its own post, the second is listed in the digest.</summary>
    private static async Task<(string Own, string Listed)> OwnAndListedAsync(TestApp app, string name)
    {
        var own = await OpenAsync(app, $"{name}-0");
        var listed = await OpenAsync(app, $"{name}-1");
        await FirstNoticeAsync(app, own);
        await FirstNoticeAsync(app, listed);
        return (own, listed);
    }

    [Fact]
    public async Task A_Sev1_first_notice_overtakes_500_queued_follow_ups()
    {
        var fake = new FakeGraphHandler();
        var followUps = new ScriptedHandler("test.followup");
        await using var app = await StartAsync(fake, configure: services =>
        {
            services.AddSingleton<IIncidentEffect, FollowUpOnOpen>();
            services.AddOutbox(followUps.Kind, followUps);
        });
        var earlier = new List<string>();
        for (var i = 0; i < 5; i++) earlier.Add(await OpenAsync(app, $"lane-sev3-{i}"));
        for (var i = 0; i < 500; i++) // a storm's follow-up work, queued ahead
            await app.Storage.Outbox.SendMessageAsync(new OutboxMessage(earlier[i % 5], 3).ToJson());

        var sev1 = await OpenAsync(app, "lane-sev1", Severity.Sev1);

        // Its signal is in the first-notice queue, not behind the 505 follow-up signals, and taken before the Sev3s' first notices.
        var signals = (await app.Storage.FirstNotices.ReceiveMessagesAsync(32)).Value;
        Assert.Equal(6, signals.Length);
        var turn = signals.OrderBy(OutboxQueuePump.TurnOf).Select(m => OutboxMessage.Parse(m.Body.ToString()).IncidentId).ToList();
        Assert.Equal(sev1, turn[0]);
        Assert.True((await app.Storage.Outbox.GetPropertiesAsync()).Value.ApproximateMessagesCount >= 506);

        // The first-notice run posts it and does no follow-up work, not even the incident's own (it keeps its order in its lane).
        await FirstNoticeAsync(app, sev1);
        var post = Assert.Single(fake.Requests);
        Assert.Equal(Messages, post.Path);
        Assert.StartsWith("[Sev1]", post.Json!["subject"]!.GetValue<string>());
        Assert.Empty(followUps.Calls);
        var actions = (await app.Get<IncidentStore>().GetDetailsAsync(sev1, default))!.Actions;
        Assert.Equal(OutboxStatus.Done, actions.Single(a => a.Kind == TeamsOutbox.Post.Name).Status);
        Assert.Equal(OutboxStatus.Pending, actions.Single(a => a.Kind == "test.followup").Status);

        await app.Get<OutboxRunner>().RunAsync(sev1, default); // the follow-up run does the rest
        Assert.Single(followUps.Calls);
        Assert.Single(fake.Requests);
    }

    [Fact]
    public async Task A_429_with_Retry_After_pauses_without_parking_and_then_delivers_once()
    {
        var fake = new FakeGraphHandler().ThenStatus(HttpStatusCode.TooManyRequests, retryAfter: "30");
        await using var app = await StartAsync(fake);
        var id = await OpenAsync(app, "throttled");
        var opened = app.Time.GetUtcNow();

        await FirstNoticeAsync(app, id);

        Assert.Single(fake.Requests); // not retried at once by Graph's middleware
        var action = Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Actions);
        Assert.Equal((OutboxStatus.Pending, 0, 1), (action.Status, action.Attempts, action.Outages)); // no attempt spent
        Assert.Equal(opened.AddSeconds(30), action.NextAttemptAt); // when Graph said, not the backoff's guess
        Assert.Contains("Waiting for a dependency", action.LastError);

        // Another incident's first notice meanwhile: the channel is paused, so it waits in the outbox too (no worker
        // held, no request, no attempt spent).
        var second = await OpenAsync(app, "throttled-too");
        await FirstNoticeAsync(app, second);
        Assert.Single(fake.Requests);
        var waiting = Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(second, default))!.Actions);
        Assert.Equal((OutboxStatus.Pending, 0, 1, opened.AddSeconds(30)), (waiting.Status, waiting.Attempts, waiting.Outages, waiting.NextAttemptAt));

        app.Time.Advance(TimeSpan.FromSeconds(29));
        await FirstNoticeAsync(app, id);
        Assert.Single(fake.Requests);

        app.Time.Advance(TimeSpan.FromSeconds(1));
        await FirstNoticeAsync(app, id);
        await FirstNoticeAsync(app, id);
        Assert.Equal(2, fake.Requests.Count);
        Assert.Equal("1001", (await ThreadAsync(app, id)).RootMessageId);
        action = Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Actions);
        Assert.Equal(OutboxStatus.Done, action.Status);
    }

    [Fact]
    public async Task The_rate_limiter_keeps_to_the_channel_and_post_limits_and_lets_first_notices_go_first()
    {
        var time = new FakeTimeProvider(Start);
        var limiter = Limiter(time, channelPerSecond: 4, postsPerSecond: 2);
        TeamsCall Post(bool first) => new("team-1", Channel, NewMessage: true, FirstNotice: first);

        (await limiter.WaitAsync(Post(true), default)).Dispose();
        (await limiter.WaitAsync(Post(true), default)).Dispose(); // a second's worth of posts, answered
        var turns = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var followUp = limiter.WaitAsync(Post(false), default);
        var firstNotice = limiter.WaitAsync(Post(true), default);
        _ = followUp.ContinueWith(_ => turns.Enqueue("follow-up"), TaskContinuationOptions.ExecuteSynchronously);
        _ = firstNotice.ContinueWith(_ => turns.Enqueue("first notice"), TaskContinuationOptions.ExecuteSynchronously);
        Assert.False(followUp.IsCompleted);
        Assert.False(firstNotice.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(firstNotice.IsCompleted); // never three posts within a second
        time.Advance(TimeSpan.FromMilliseconds(1)); // a post is free again: the first notice's, though the follow-up asked first
        (await firstNotice.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        (await followUp.WaitAsync(TimeSpan.FromSeconds(10))).Dispose(); // the second post of this second
        Assert.Equal(["first notice", "follow-up"], turns);

        // A 429 pauses the channel for its Retry-After: a caller is sent back to the outbox, due when the pause ends,
        // rather than holding a worker; the last seconds of a pause are waited out.
        time.Advance(TimeSpan.FromSeconds(5));
        limiter.Pause(Post(true), TimeSpan.FromSeconds(10));
        var edit = new TeamsCall("team-1", Channel, NewMessage: false, FirstNotice: true);
        var paused = await Assert.ThrowsAsync<DependencyThrottledException>(() => limiter.WaitAsync(edit, default));
        Assert.Equal(TimeSpan.FromSeconds(10), paused.RetryAfter);
        var otherChannel = limiter.WaitAsync(new TeamsCall("team-1", "19:other@thread.tacv2", NewMessage: false, FirstNotice: true), default);
        Assert.True(otherChannel.IsCompletedSuccessfully);
        time.Advance(TimeSpan.FromSeconds(8));
        var last = limiter.WaitAsync(edit, default);
        Assert.False(last.IsCompleted); // two seconds left: waited out
        time.Advance(TimeSpan.FromSeconds(2));
        await last.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Of_the_first_posts_waiting_for_a_channel_the_most_severe_incidents_go_first()
    {
        var time = new FakeTimeProvider(Start);
        var limiter = Limiter(time, channelPerSecond: 4, postsPerSecond: 1);
        TeamsCall Post(Severity severity) => new("team-1", Channel, NewMessage: true, FirstNotice: true, Severity: severity);

        (await limiter.WaitAsync(Post(Severity.Sev3), default)).Dispose(); // this second's post
        var turns = new System.Collections.Concurrent.ConcurrentQueue<Severity>();
        var waiting = new List<Task<TeamsRateLimiter.Turn>>();
        foreach (var severity in new[] { Severity.Sev3, Severity.Sev2, Severity.Sev3, Severity.Sev1 }) // in a storm's order
        {
            var post = limiter.WaitAsync(Post(severity), default);
            _ = post.ContinueWith(t => { turns.Enqueue(severity); t.Result.Dispose(); }, TaskContinuationOptions.ExecuteSynchronously);
            waiting.Add(post);
        }
        // A post a second. The order does not depend on when each waiter looks again (the less severe step aside while a
        // more severe one waits), so the clock may move on before a waiter registered its wait: it goes a second later.
        for (var second = 1; second <= 20 && turns.Count < 4; second++)
        {
            var before = turns.Count;
            time.Advance(TimeSpan.FromSeconds(1));
            for (var poll = 0; poll < 500 && turns.Count == before; poll++) await Task.Delay(1);
        }
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([Severity.Sev1, Severity.Sev2, Severity.Sev3, Severity.Sev3], turns);
    }

    [Fact]
    public async Task A_request_counts_from_its_answer_so_a_slow_one_never_lets_the_next_crowd_into_its_second()
    {
        var time = new TimerWatchingClock(Start);
        var limiter = Limiter(time, channelPerSecond: 4, postsPerSecond: 2);
        var post = new TeamsCall("team-1", Channel, NewMessage: true, FirstNotice: true);

        var slow = await limiter.WaitAsync(post, default); // still on its way to Graph
        (await limiter.WaitAsync(post, default)).Dispose();
        var third = limiter.WaitAsync(post, default);
        time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(20);
        Assert.False(third.IsCompleted); // the slow post may reach Graph any moment: it counts until answered

        await time.UntilWaitingAsync(slow.Dispose, TimeSpan.FromSeconds(1)); // answered now: a second from now the third may go
        time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(20);
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        (await third.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task A_pages_mention_in_the_thread_keeps_to_the_channel_limit_and_a_429_pauses_the_channel()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:Limits:ChannelRequestsPerSecond"] = "1" });
        var id = await OpenAsync(app, "paged", Severity.Sev1);
        await FirstNoticeAsync(app, id); // the root post: the channel's one request this second
        var incident = (await app.Get<IncidentStore>().FindAsync(id, default))!;
        var thread = app.Get<IEnumerable<IPageNotifier>>().Single(n => n.Channel == "teams-thread");
        var page = new Page(incident, "alex@example.com", "level 1", "https://console.example/incidents/" + id);

        var mention = await app.Time.UntilWaitingAsync(() => thread.SendAsync(page, default), TimeSpan.FromSeconds(1));
        Assert.False(mention.IsCompleted);
        Assert.Empty(fake.Posts("/replies"));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await mention.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(fake.Posts("/replies"));

        // Graph throttles the next mention: the channel pauses for the Retry-After, and the page is retried by the outbox.
        app.Time.Advance(TimeSpan.FromSeconds(1));
        fake.ThenStatus(HttpStatusCode.TooManyRequests, "30", r => r.RequestUri!.AbsolutePath.EndsWith("/replies", StringComparison.Ordinal));
        await Assert.ThrowsAnyAsync<Exception>(() => thread.SendAsync(page, default));
        Assert.Equal(2, fake.Posts("/replies").Count()); // once: Graph's own retry handler leaves 429 to us
        var edit = new TeamsCall("team-1", Channel, NewMessage: false, FirstNotice: true);
        var limiter = app.Get<TeamsRateLimiter>();
        Assert.Equal(TimeSpan.FromSeconds(30), (await Assert.ThrowsAsync<DependencyThrottledException>(() => limiter.WaitAsync(edit, default))).RetryAfter);
        app.Time.Advance(TimeSpan.FromSeconds(29));
        var next = limiter.WaitAsync(edit, default);
        Assert.False(next.IsCompleted);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        (await next.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task A_page_for_an_incident_listed_in_a_storm_digest_skips_the_thread_mention_instead_of_failing()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "1" });
        var (own, listed) = await OwnAndListedAsync(app, "paged");
        Assert.NotNull((await ThreadAsync(app, listed)).Digest);
        // The incident says so (API and console): a line in the digest, no thread of its own yet.
        var resources = app.Get<AutoResponder.Incidents.Api.IncidentResources>();
        Assert.Equal(new AutoResponder.Incidents.Resources.TeamsThread(null, InStormDigest: true),
            (await resources.ReadAsync((await app.Get<IncidentStore>().FindAsync(listed, default))!, default)).Teams);
        Assert.False((await resources.ReadAsync((await app.Get<IncidentStore>().FindAsync(own, default))!, default)).Teams!.InStormDigest);

        var thread = app.Get<IEnumerable<IPageNotifier>>().Single(n => n.Channel == "teams-thread");
        var incident = (await app.Get<IncidentStore>().FindAsync(listed, default))!;
        // false: the channel does not apply (chat and e-mail still page); it used to throw on every attempt until parked
        Assert.False(await thread.SendAsync(new Page(incident, "alex@example.com", "level 1", "https://console.example/incidents/" + listed), default));
        Assert.Empty(fake.Posts("/replies"));
    }

    [Fact]
    public async Task A_digest_of_long_titles_stays_under_Teams_message_size_and_counts_the_rest()
    {
        await using var app = await StartAsync(new FakeGraphHandler());
        var head = new DigestHeadRow { PartitionKey = "teams-digest|abc|202611260900", RowKey = TeamsDigest.HeadRow };
        DigestItemRow Item(int i, int titleLength) => new()
        {
            PartitionKey = head.PartitionKey,
            RowKey = $"{TeamsDigest.ItemPrefix}INC-20261126-{i:D13}",
            Title = new string('T', titleLength) + "&<>",
            SeverityName = "Sev2",
            Service = new string('s', 60),
            OpenedAt = app.Time.GetUtcNow().AddSeconds(i),
        };
        var digests = app.Get<TeamsDigest>();

        var full = digests.Render(head, [.. Enumerable.Range(0, 80).Select(i => Item(i, 160))]).Body!.Content!;
        Assert.True(full.Length < 28_000, $"{full.Length} characters");
        var shown = System.Text.RegularExpressions.Regex.Count(full, "<li>");
        Assert.InRange(shown, 20, 79);
        Assert.Contains($"… and {80 - shown} more: see the console.", full);

        var few = digests.Render(head, [.. Enumerable.Range(0, 5).Select(i => Item(i, 40))]).Body!.Content!;
        Assert.Equal(5, System.Text.RegularExpressions.Regex.Count(few, "<li>"));
        Assert.DoesNotContain("more: see the console", few);
    }

    [Fact]
    public async Task A_storm_digest_leaves_one_of_the_channels_turns_free_for_an_own_post()
    {
        var time = new FakeTimeProvider(Start);
        var limiter = Limiter(time, channelPerSecond: 4, postsPerSecond: 2);
        var digestEdit = new TeamsCall("team-1", Channel, NewMessage: false, FirstNotice: true, Digest: true);

        for (var i = 0; i < 3; i++) (await limiter.WaitAsync(digestEdit, default)).Dispose();
        var fourthEdit = limiter.WaitAsync(digestEdit, default);
        Assert.False(fourthEdit.IsCompleted); // three of the four turns this second: the last one is kept free
        (await limiter.WaitAsync(new TeamsCall("team-1", Channel, NewMessage: true, FirstNotice: true), default)
            .WaitAsync(TimeSpan.FromSeconds(10))).Dispose(); // a Sev1's own post takes it at once
        var fifth = limiter.WaitAsync(new TeamsCall("team-1", Channel, NewMessage: false, FirstNotice: false), default);
        Assert.False(fifth.IsCompleted); // and the channel's limit still holds: four in the second
        time.Advance(TimeSpan.FromSeconds(1));
        (await fourthEdit.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        (await fifth.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task A_storm_digest_edit_waits_while_an_incidents_own_first_post_does()
    {
        var time = new TimerWatchingClock(Start);
        var limiter = Limiter(time, channelPerSecond: 1, postsPerSecond: 2);
        var digestEdit = new TeamsCall("team-1", Channel, NewMessage: false, FirstNotice: true, Digest: true);

        (await limiter.WaitAsync(digestEdit, default)).Dispose(); // the channel's one request this second
        var nextEdit = limiter.WaitAsync(digestEdit, default);
        var ownPost = limiter.WaitAsync(new TeamsCall("team-1", Channel, NewMessage: true, FirstNotice: true), default);
        await limiter.WaitAsync(digestEdit with { ChannelId = "19:other@thread.tacv2" }, default).WaitAsync(TimeSpan.FromSeconds(10)); // another channel's digest: no wait
        time.Advance(TimeSpan.FromMilliseconds(1000)); // one turn free: the own post's, though the digest asked first
        var ownTurn = await ownPost.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(nextEdit.IsCompleted);
        await time.UntilWaitingAsync(ownTurn.Dispose, TimeSpan.FromSeconds(1)); // the edit goes a second after the post's answer
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(nextEdit.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await nextEdit.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Past_the_threshold_Sev2_and_below_are_listed_in_one_digest_edited_in_place_and_Sev1_still_gets_its_own_post()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "2" });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await OpenAsync(app, $"storm-{i}"));
        var sev1 = await OpenAsync(app, "storm-sev1", Severity.Sev1);

        foreach (var id in ids.Take(4)) await FirstNoticeAsync(app, id);
        await FirstNoticeAsync(app, sev1);
        await FirstNoticeAsync(app, ids[4]);

        // Two own posts (within the threshold), then the digest: posted once, edited in place for each further incident.
        var posts = fake.Requests.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.Equal(4, posts.Count);
        Assert.All(posts, p => Assert.Equal(Messages, p.Path));
        Assert.StartsWith("[Sev3]", posts[0].Json!["subject"]!.GetValue<string>());
        Assert.StartsWith("[Sev3]", posts[1].Json!["subject"]!.GetValue<string>());
        Assert.StartsWith("Storm digest", posts[2].Json!["subject"]!.GetValue<string>());
        Assert.StartsWith("[Sev1]", posts[3].Json!["subject"]!.GetValue<string>());
        var digestId = (await ThreadAsync(app, ids[2])).Digest is { } key ? (await app.Get<TeamsDigest>().FindAsync(key, default))!.MessageId : null;
        Assert.Equal("1003", digestId);
        var edits = fake.Patches.ToList();
        Assert.Equal(2, edits.Count);
        Assert.All(edits, e => Assert.Equal($"{Messages}/1003", e.Path));
        var shown = edits[^1].Json!["body"]!["content"]!.GetValue<string>();
        Assert.Contains("3 more incidents", shown);
        foreach (var id in ids.Skip(2)) Assert.Contains($"href=\"{ConsoleRoutes.Incident(id)}\"", shown);
        Assert.DoesNotContain(ConsoleRoutes.Incident(sev1), shown);

        foreach (var id in ids.Skip(2))
        {
            var thread = await ThreadAsync(app, id);
            Assert.Null(thread.RootMessageId);
            Assert.NotNull(thread.Digest);
        }

        // Exactly once: running everything again announces nothing more.
        var before = fake.Requests.Count;
        foreach (var id in ids.Append(sev1)) await app.Get<OutboxRunner>().RunAsync(id, default);
        Assert.Equal(before, fake.Requests.Count);
    }

    [Fact]
    public async Task A_digest_edit_shows_the_incidents_listed_while_it_waited_for_its_turn()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new()
        {
            ["AutoResponder:Teams:StormThreshold"] = "2",
            ["AutoResponder:Teams:Limits:ChannelRequestsPerSecond"] = "2", // the digest may use one of them
            ["AutoResponder:Teams:Limits:MessagePostsPerSecond"] = "10",
        });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await OpenAsync(app, $"waiting-{i}"));
        await FirstNoticeAsync(app, ids[0]);
        await FirstNoticeAsync(app, ids[1]); // two own posts
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await FirstNoticeAsync(app, ids[2]); // the digest is posted: its turn this second is spent

        // claims the render, waits for the next second
        var renderer = await app.Time.UntilWaitingAsync(() => FirstNoticeAsync(app, ids[3]), TimeSpan.FromSeconds(1));
        var digest = (await ThreadAsync(app, ids[2])).Digest!;
        Assert.NotNull((await app.Get<TeamsDigest>().FindAsync(digest, default))!.RendererUntil);
        Assert.False(renderer.IsCompleted);
        await FirstNoticeAsync(app, ids[4]).WaitAsync(TimeSpan.FromSeconds(10)); // listed while the renderer waits
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await renderer.WaitAsync(TimeSpan.FromSeconds(10));

        var edit = Assert.Single(fake.Patches); // one edit shows both
        var shown = edit.Json!["body"]!["content"]!.GetValue<string>();
        Assert.Contains(ConsoleRoutes.Incident(ids[3]), shown);
        Assert.Contains(ConsoleRoutes.Incident(ids[4]), shown);
    }

    [Fact]
    public async Task A_digest_post_is_recorded_when_the_host_stops_as_Graph_answers_so_the_retry_edits_it_and_never_posts_it_again()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "2" });
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await OpenAsync(app, $"stopping-{i}"));
        await FirstNoticeAsync(app, ids[0]);
        await FirstNoticeAsync(app, ids[1]); // two own posts

        // The host begins to stop while Graph posts the digest.
        using var stopping = new CancellationTokenSource();
        fake.Answered = r => { if (r.Method == HttpMethod.Post) stopping.Cancel(); };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            app.Get<OutboxRunner>().RunAsync(ids[2], SignalLane.FirstNotice, stopping.Token));
        fake.Answered = null;
        Assert.Equal(3, fake.Posts(Messages).Count());
        var head = (await app.Get<TeamsDigest>().FindAsync((await ThreadAsync(app, ids[2])).Digest!, default))!;
        Assert.Equal("1003", head.MessageId); // recorded
        Assert.Null(head.RendererUntil); // and given back: the retry renders at once

        app.Time.Advance(TimeSpan.FromMinutes(3)); // the stopped run's lease is over
        await FirstNoticeAsync(app, ids[2]);
        Assert.Equal(3, fake.Posts(Messages).Count()); // not posted again
        Assert.Single(fake.Patches); // the retry renders by editing it
        Assert.Equal(OutboxStatus.Done, (await app.Get<IncidentStore>().GetDetailsAsync(ids[2], default))!.Actions
            .Single(a => a.Kind == TeamsOutbox.Post.Name).Status);
    }

    private static IEnumerable<GraphRequest> DigestPosts(FakeGraphHandler fake) =>
        fake.Posts(Messages).Where(p => p.Json!["subject"]!.GetValue<string>().StartsWith("Storm digest", StringComparison.Ordinal));

    private static async Task<DigestHeadRow> HeadAsync(TestApp app, string listed) =>
        (await app.Get<TeamsDigest>().FindAsync((await ThreadAsync(app, listed)).Digest!, default))!;

    private static Task<OutboxStatus> FirstNoticeStatusAsync(TestApp app, string id) =>
        app.Get<IncidentStore>().GetDetailsAsync(id, default)
            .ContinueWith(d => d.Result!.Actions.Single(a => a.Kind == TeamsOutbox.Post.Name).Status, TaskScheduler.Default);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_digest_post_whose_answer_was_lost_is_looked_for_in_the_channel_before_posting_again(bool mayRead)
    {
        // Graph posts the digest, then the answer never arrives (the connection drops, as when the host dies).
        TimeProvider? clock = null; // the app's clock: Graph dates the lost post on it
        var fake = new FakeGraphHandler().ThenLoseAnswer(r => r.Body!.Contains("Storm digest"), "lost-digest",
            () => clock!.GetUtcNow(),
            new JsonObject { ["id"] = "yesterdays", ["subject"] = "Storm digest 2026-11-25 09:00 UTC: 4 incidents" },
            new JsonObject { ["id"] = "someone-else", ["subject"] = "Lunch?", ["body"] = new JsonObject { ["content"] = "Storm digest" } });
        await using var app = await StartAsync(fake, new()
        {
            ["AutoResponder:Teams:StormThreshold"] = "1",
            ["AutoResponder:Teams:ReadChannelMessages"] = mayRead.ToString(),
        });
        clock = app.Time;
        var (_, listed) = await OwnAndListedAsync(app, "lost-digest-" + mayRead);
        Assert.Null((await HeadAsync(app, listed)).MessageId); // the outcome is unknown

        app.Time.Advance(TimeSpan.FromMinutes(30));
        await FirstNoticeAsync(app, listed);

        var head = await HeadAsync(app, listed);
        if (mayRead)
        {
            Assert.Single(DigestPosts(fake)); // found in the channel, not posted twice
            Assert.Equal("lost-digest", head.MessageId);
            Assert.Equal($"{Messages}/lost-digest", Assert.Single(fake.Patches).Path); // and edited: it shows what is listed
        }
        else
        {
            Assert.Equal(2, DigestPosts(fake).Count()); // at-least-once, as for own posts
            Assert.DoesNotContain(fake.Requests, r => r.Method == HttpMethod.Get);
            Assert.NotEqual("lost-digest", head.MessageId);
        }
        Assert.NotNull(head.MessageId);
        Assert.Equal(OutboxStatus.Done, await FirstNoticeStatusAsync(app, listed));
    }

    [Fact]
    public async Task A_digest_post_deleted_in_Teams_is_posted_afresh_so_the_incidents_listed_after_are_shown()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "1" });
        var (_, listed) = await OwnAndListedAsync(app, "deleted");
        Assert.Equal("1002", (await HeadAsync(app, listed)).MessageId);

        // Right after the post, a 404 may be Graph not finding its new message yet: tried again, not posted twice.
        var early = await OpenAsync(app, "deleted-early");
        fake.ThenStatus(HttpStatusCode.NotFound, when: r => r.Method == HttpMethod.Patch);
        await FirstNoticeAsync(app, early);
        Assert.Single(DigestPosts(fake));
        Assert.Equal(OutboxStatus.Pending, await FirstNoticeStatusAsync(app, early));

        // Later someone deletes the digest in Teams: its next edit answers 404.
        app.Time.Advance(TimeSpan.FromSeconds(40));
        fake.ThenStatus(HttpStatusCode.NotFound, when: r => r.Method == HttpMethod.Patch);
        var next = await OpenAsync(app, "deleted-2");
        await FirstNoticeAsync(app, next);

        Assert.Equal($"{Messages}/1002", fake.Patches.Last().Path);
        var posts = DigestPosts(fake).ToList();
        Assert.Equal(2, posts.Count); // a fresh digest post, showing everyone listed
        var shown = posts[1].Json!["body"]!["content"]!.GetValue<string>();
        foreach (var id in new[] { listed, early, next }) Assert.Contains(ConsoleRoutes.Incident(id), shown);
        Assert.Equal("1003", (await HeadAsync(app, next)).MessageId); // recorded: later edits go to it
        Assert.Equal(OutboxStatus.Done, await FirstNoticeStatusAsync(app, next)); // not parked
    }

    [Fact]
    public async Task A_digest_post_that_Graph_keeps_retrying_past_the_render_claim_is_not_posted_a_second_time_by_another_renderer()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "1" });
        var ids = await OpenAsync(app, "slow", 3);
        await FirstNoticeAsync(app, ids[0]); // its own post

        // The digest's POST takes long at Graph (its RetryHandler retrying 503s with their Retry-After).
        var posting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowed = 0;
        fake.Then(r =>
        {
            if (r.Method != HttpMethod.Post || Interlocked.Exchange(ref slowed, 1) == 1) return null;
            posting.TrySetResult();
            answer.Task.Wait(TimeSpan.FromSeconds(10));
            return null;
        });
        var renderer = FirstNoticeAsync(app, ids[1]);
        await posting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        app.Time.Advance(TimeSpan.FromSeconds(40)); // past the 30 s render claim, within the digest's minute
        await FirstNoticeAsync(app, ids[2]).WaitAsync(TimeSpan.FromSeconds(10)); // listed; the renderer shows it
        Assert.Single(DigestPosts(fake));

        answer.SetResult();
        await renderer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(DigestPosts(fake));
        Assert.Contains(ConsoleRoutes.Incident(ids[2]), fake.Patches.Last().Json!["body"]!["content"]!.GetValue<string>());
        Assert.Null((await HeadAsync(app, ids[2])).RendererUntil); // released once everything listed was shown
    }

    [Fact]
    public async Task A_renderer_whose_edit_outlasted_its_claim_leaves_the_claim_to_the_one_that_took_it_over()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "1" });
        var ids = await OpenAsync(app, "outlasted", 4);
        await FirstNoticeAsync(app, ids[0]); // its own post
        await FirstNoticeAsync(app, ids[1]); // the digest's post

        // The next two edits hang at Graph until let go: the first renderer's, then the one that takes over.
        var editing = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var letGo = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var edits = 0;
        fake.Then(r =>
        {
            if (r.Method != HttpMethod.Patch) return null;
            var n = Interlocked.Increment(ref edits) - 1;
            if (n < 2)
            {
                editing[n].TrySetResult();
                letGo[n].Task.Wait(TimeSpan.FromSeconds(10));
            }
            return null;
        });
        var first = FirstNoticeAsync(app, ids[2]);
        await editing[0].Task.WaitAsync(TimeSpan.FromSeconds(10));
        app.Time.Advance(TimeSpan.FromSeconds(40)); // past its 30 s claim, within the digest's minute
        var second = FirstNoticeAsync(app, ids[3]); // takes the claim over
        await editing[1].Task.WaitAsync(TimeSpan.FromSeconds(10));

        letGo[0].SetResult(); // the first edit ends while the second renderer still holds the claim
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        var head = await HeadAsync(app, ids[3]);
        Assert.Equal(ids[3], head.Renderer);
        Assert.NotNull(head.RendererUntil); // not released nor renewed by the first renderer
        Assert.Equal(2, Volatile.Read(ref edits)); // nor edited again by it: the holder shows everyone

        letGo[1].SetResult();
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(ConsoleRoutes.Incident(ids[3]), fake.Patches.Last().Json!["body"]!["content"]!.GetValue<string>());
        Assert.Null((await HeadAsync(app, ids[3])).RendererUntil);
        Assert.Single(DigestPosts(fake));
    }

    [Fact]
    public async Task A_renderer_that_died_mid_post_is_taken_over_by_its_own_actions_retry_without_waiting_for_its_claim()
    {
        var fake = new FakeGraphHandler();
        var died = 0;
        fake.Then(r => r.Method == HttpMethod.Post && fake.Requests.Last().Body!.Contains("Storm digest")
            && Interlocked.Exchange(ref died, 1) == 0
            ? throw new HttpRequestException("The host died while Graph posted the digest.") : null);
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "1" });
        var (_, listed) = await OwnAndListedAsync(app, "died");
        // As a host that died mid-POST leaves the head: claimed for the POST's longest time (it never gave it back).
        var head = await HeadAsync(app, listed);
        await app.Storage.IncidentIndex.UpdateEntityAsync(new Azure.Data.Tables.TableEntity(head.PartitionKey, head.RowKey)
        {
            [nameof(DigestHeadRow.RendererUntil)] = app.Time.GetUtcNow().AddMinutes(10),
        }, Azure.ETag.All, Azure.Data.Tables.TableUpdateMode.Merge);

        app.Time.Advance(TimeSpan.FromMinutes(5)); // its action's retry, while the claim would still hold
        await FirstNoticeAsync(app, listed);

        Assert.Equal(2, DigestPosts(fake).Count()); // posted by the retry (it has no way to look, by default)
        head = await HeadAsync(app, listed);
        Assert.NotNull(head.MessageId);
        Assert.Null(head.RendererUntil);
    }

    [Fact]
    public async Task An_own_post_sent_back_by_a_paused_channel_is_not_under_way_so_its_retry_in_a_storm_is_digested()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new()
        {
            ["AutoResponder:Teams:StormThreshold"] = "2",
            ["AutoResponder:Teams:ReadChannelMessages"] = "true",
        });
        var ids = await OpenAsync(app, "paused", 3);
        await FirstNoticeAsync(app, ids[0]);
        app.Get<TeamsRateLimiter>().Pause(new TeamsCall("team-1", Channel, NewMessage: true, FirstNotice: true), TimeSpan.FromSeconds(30));

        await FirstNoticeAsync(app, ids[1]); // its own post: the channel is paused, back to the outbox
        Assert.Null((await ThreadAsync(app, ids[1])).RootPostingSince); // nothing was sent
        await FirstNoticeAsync(app, ids[2]); // a storm begins: listed, its digest waits for the channel too

        app.Time.Advance(TimeSpan.FromSeconds(30));
        await FirstNoticeAsync(app, ids[1]);
        await FirstNoticeAsync(app, ids[2]);
        var thread = await ThreadAsync(app, ids[1]);
        Assert.Null(thread.RootMessageId); // now in the storm: a line in the digest, like the others
        Assert.Equal((await ThreadAsync(app, ids[2])).Digest, thread.Digest);
        Assert.DoesNotContain(fake.Requests, r => r.Method == HttpMethod.Get); // no needless look for a lost post
        var shown = Assert.Single(DigestPosts(fake)).Json!["body"]!["content"]!.GetValue<string>();
        Assert.Contains(ConsoleRoutes.Incident(ids[1]), shown);
        Assert.Contains(ConsoleRoutes.Incident(ids[2]), shown);
    }

    [Fact]
    public async Task A_first_notice_whose_own_post_has_an_unknown_outcome_stays_an_own_post_when_a_storm_begins_meanwhile()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "2" });
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add(await OpenAsync(app, $"unknown-{i}"));
        await FirstNoticeAsync(app, ids[0]);
        fake.ThenStatus(HttpStatusCode.InternalServerError); // the second one's post: did Graph create it?
        await FirstNoticeAsync(app, ids[1]);
        Assert.NotNull((await ThreadAsync(app, ids[1])).RootPostingSince);
        await FirstNoticeAsync(app, ids[2]);
        await FirstNoticeAsync(app, ids[3]); // past the threshold: a storm, these two are digested

        app.Time.Advance(TimeSpan.FromSeconds(30)); // the retry, within the storm's minute
        await FirstNoticeAsync(app, ids[1]);
        var thread = await ThreadAsync(app, ids[1]);
        Assert.NotNull(thread.RootMessageId); // posted (it would first look for the earlier post, with ReadChannelMessages)
        Assert.Null(thread.Digest); // and not also listed in the digest
        Assert.NotNull((await ThreadAsync(app, ids[3])).Digest);
    }

    [Fact]
    public async Task A_renderer_keeps_the_claim_while_incidents_keep_arriving_and_releases_it_when_all_are_shown()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "2" });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await OpenAsync(app, $"arriving-{i}"));
        for (var i = 0; i < 3; i++) await FirstNoticeAsync(app, ids[i]); // two own posts, then the digest
        var digest = (await ThreadAsync(app, ids[2])).Digest!;

        // The next edit is slow at Graph; meanwhile another incident is listed.
        var editing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Then(r =>
        {
            if (r.Method != HttpMethod.Patch || answer.Task.IsCompleted) return null;
            editing.TrySetResult();
            answer.Task.Wait(TimeSpan.FromSeconds(10));
            return null;
        });
        var renderer = FirstNoticeAsync(app, ids[3]);
        await editing.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await FirstNoticeAsync(app, ids[4]).WaitAsync(TimeSpan.FromSeconds(10)); // listed; the holder shows it
        Assert.NotNull((await app.Get<TeamsDigest>().FindAsync(digest, default))!.RendererUntil);
        answer.SetResult();
        await renderer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, fake.Patches.Count()); // the slow edit, then one more for the incident listed during it
        Assert.Contains(ConsoleRoutes.Incident(ids[4]), fake.Patches.Last().Json!["body"]!["content"]!.GetValue<string>());
        var head = (await app.Get<TeamsDigest>().FindAsync(digest, default))!;
        Assert.Null(head.RendererUntil); // released once everything listed was shown
        Assert.Equal(3, head.RenderedCount);
    }

    [Fact]
    public async Task A_digested_incident_gets_its_own_thread_when_acknowledged_and_no_replies_before()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "1" });
        var (first, digested) = await OwnAndListedAsync(app, "ack");
        Assert.Equal(2, fake.Requests.Count); // a root post and the digest

        await app.Get<IncidentService>().UpdateStatusAsync(digested, "Looking into it", null, null, "jane", default);
        await app.Get<OutboxRunner>().RunAsync(digested, default);
        Assert.Equal(2, fake.Requests.Count); // no thread of its own for a status update

        await app.Get<IncidentService>().AcknowledgeAsync(digested, "Jane Doe", "jane", default);
        await app.Get<OutboxRunner>().RunAsync(digested, default);

        var root = fake.Requests[2];
        Assert.Equal((HttpMethod.Post, Messages), (root.Method, root.Path));
        Assert.StartsWith("[Sev3] [Acknowledged]", root.Json!["subject"]!.GetValue<string>());
        var thread = await ThreadAsync(app, digested);
        Assert.Equal("1003", thread.RootMessageId);
        var reply = fake.Requests[3];
        Assert.Equal((HttpMethod.Post, $"{Messages}/1003/replies"), (reply.Method, reply.Path));
        Assert.Contains("Acknowledged", reply.Json!["body"]!["content"]!.GetValue<string>());
        Assert.Equal(4, fake.Requests.Count);
        Assert.All((await app.Get<IncidentStore>().GetDetailsAsync(digested, default))!.Actions, a => Assert.Equal(OutboxStatus.Done, a.Status));
    }

    [Fact]
    public async Task A_finished_digest_is_pruned_a_day_after_its_minute_when_the_channel_posts_a_new_one_and_an_unfinished_one_after_a_week()
    {
        var fake = new FakeGraphHandler();
        await using var app = await StartAsync(fake, new() { ["AutoResponder:Teams:StormThreshold"] = "1" });
        var start = app.Time.GetUtcNow();
        async Task<string> StormAsync(string name) // two incidents in a minute: the second is listed in a new digest
        {
            await FirstNoticeAsync(app, await OpenAsync(app, $"{name}-0"));
            var digested = await OpenAsync(app, $"{name}-1");
            await FirstNoticeAsync(app, digested);
            return (await ThreadAsync(app, digested)).Digest!;
        }
        async Task<int> RowsAsync(string digest)
        {
            var rows = 0;
            await foreach (var _ in app.Storage.IncidentIndex.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == digest)) rows++;
            return rows;
        }

        var old = await StormAsync("old");
        Assert.Equal(2, await RowsAsync(old)); // head and one item
        // An hour later a digest listed one incident and was never rendered (its renderer gave up, nothing retried it).
        var unfinished = old[..^12] + (start + TimeSpan.FromHours(1)).ToString("yyyyMMddHHmm");
        await app.Storage.IncidentIndex.AddEntityAsync(new DigestHeadRow { PartitionKey = unfinished, RowKey = TeamsDigest.HeadRow, TeamId = "team-1", ChannelId = Channel });
        await app.Storage.IncidentIndex.AddEntityAsync(new DigestItemRow { PartitionKey = unfinished, RowKey = TeamsDigest.ItemPrefix + "INC-x", Title = "x", SeverityName = "Sev3" });

        app.Time.Advance(TimeSpan.FromHours(20));
        var recent = await StormAsync("recent");
        Assert.Equal(2, await RowsAsync(old)); // closed and done, but less than a day ago
        Assert.Equal(2, await RowsAsync(unfinished));

        app.Time.Advance(TimeSpan.FromHours(6)); // 26 h after the first storm
        var next = await StormAsync("next");
        Assert.Equal(0, await RowsAsync(old)); // done a day ago: pruned when the channel posted its next digest
        Assert.Equal(2, await RowsAsync(unfinished)); // still owes a render: kept
        Assert.Equal(2, await RowsAsync(recent));
        Assert.Equal(2, await RowsAsync(next));

        app.Time.Advance(TimeSpan.FromDays(7));
        var late = await StormAsync("late");
        Assert.Equal(0, await RowsAsync(unfinished)); // expired
        Assert.Equal(0, await RowsAsync(recent));
        Assert.Equal(0, await RowsAsync(next));
        Assert.Equal(2, await RowsAsync(late));
        Assert.Equal(4, fake.Requests.Count(r => r.Method == HttpMethod.Post && r.Json!["subject"]!.GetValue<string>().StartsWith("Storm digest")));
    }
}
