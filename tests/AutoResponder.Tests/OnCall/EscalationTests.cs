using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.OnCall;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.OnCall;

/// <summary>
/// Paging with a fake clock over Azurite and a fake Graph: level 1 at the opening, level 2 exactly when level 1's minutes
/// pass, stopped by an acknowledgement, restarted by a reopen, and once per person with two hosts.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EscalationTests(AzuriteFixture azurite)
{
    private const string Ana = "ana@contoso.com", Ben = "ben@contoso.com", Lead = "lead@contoso.com", Boss = "boss@contoso.com";

    /// <summary>Schedule "primary" (Ana this week, Ben next), policy "checkout": primary (10 min) → Lead (20 min) → Boss (30 min).</summary>
    public static Dictionary<string, string?> Settings(string? prefix = null)
    {
        var s = new Dictionary<string, string?>
        {
            ["AutoResponder:Mail:Sender"] = "autoresponder@contoso.com",
            ["AutoResponder:OnCall:Schedules:0:Name"] = "primary",
            ["AutoResponder:OnCall:Schedules:0:Members:0"] = Ana,
            ["AutoResponder:OnCall:Schedules:0:Members:1"] = Ben,
            ["AutoResponder:OnCall:Schedules:0:Start"] = "2026-11-23",
            ["AutoResponder:OnCall:Schedules:0:HandOff"] = "09:00",
            ["AutoResponder:OnCall:Schedules:0:Length"] = "Weekly",
            ["AutoResponder:OnCall:Schedules:0:TimeZone"] = "Europe/Berlin",
            ["AutoResponder:OnCall:Policies:0:Name"] = "checkout",
            ["AutoResponder:OnCall:Policies:0:Levels:0:Schedules:0"] = "primary",
            ["AutoResponder:OnCall:Policies:0:Levels:0:Minutes"] = "10",
            ["AutoResponder:OnCall:Policies:0:Levels:1:People:0"] = Lead,
            ["AutoResponder:OnCall:Policies:0:Levels:1:Minutes"] = "20",
            ["AutoResponder:OnCall:Policies:0:Levels:2:People:0"] = Boss,
            ["AutoResponder:OnCall:Policies:0:Levels:2:Minutes"] = "30",
            ["AutoResponder:OnCall:DefaultPolicy"] = "checkout",
        };
        if (prefix is not null) s[StorageClients.PrefixSetting] = prefix;
        return s;
    }

    private static async Task<string> FireAsync(TestApp app, string fingerprint, Severity severity = Severity.Sev1) =>
        (await app.Get<AlertIngestor>().IngestAsync(new Alert
        {
            Source = "generic",
            SourceAlertId = fingerprint,
            Fingerprint = fingerprint,
            Title = "Checkout prices wrong",
            Severity = severity,
            Status = AlertStatus.Firing,
            StartsAt = app.Time.GetUtcNow(),
            Service = "checkout",
            Labels = new Dictionary<string, string>(),
        }, default)).IncidentId!;

    private static Task RunAsync(TestApp app, string id) => app.Get<OutboxRunner>().RunAsync(id, default);

    /// <summary>Who got a page e-mail, in order.</summary>
    private static List<string> Mailed(FakeGraphHandler graph) => graph.SendMails.Where(m => m.Subject.Contains("Paged")).SelectMany(m => m.To).ToList();

    /// <summary>Who got a Teams chat (the chat created for them), in order.</summary>
    private static List<string> Chatted(FakeGraphHandler graph) =>
        graph.Requests.Where(r => r.Method == HttpMethod.Get && r.Path.StartsWith("/v1.0/users/")).Select(r => r.Path["/v1.0/users/".Length..]).ToList();

    private static async Task<List<TimelineEntry>> TimelineAsync(TestApp app, string id) => (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Timeline.ToList();

    [Fact]
    public async Task Level_1_is_paged_at_the_opening_and_level_2_exactly_when_level_1s_minutes_pass_without_acknowledgement()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings(), graph.Install);
        var id = await FireAsync(app, "l2-" + Guid.NewGuid().ToString("N")[..6]);
        await RunAsync(app, id);

        Assert.Equal([Ana], Mailed(graph));
        Assert.Equal([Ana], Chatted(graph));
        Assert.Single(graph.Posts("/chats"));
        var chatMessage = Assert.Single(graph.Requests, r => r.Method == HttpMethod.Post && r.Path.StartsWith("/v1.0/chats/") && r.Path.EndsWith("/messages"));
        Assert.Contains($"/incidents/{id}", chatMessage.Body);                          // the console link
        Assert.Contains(await TimelineAsync(app, id), t => t.Kind == OnCallKinds.Paged && t.Text.Contains(Ana));
        Assert.Contains(await TimelineAsync(app, id), t => t.Kind == OnCallKinds.PageSent && t.Text.Contains("teams-chat, email"));

        app.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        await RunAsync(app, id);
        Assert.Equal([Ana], Mailed(graph));                                               // one second early: nobody else

        app.Time.Advance(TimeSpan.FromSeconds(1));
        await RunAsync(app, id);
        Assert.Equal([Ana, Lead], Mailed(graph));                                         // exactly at 10 min
        Assert.Equal([Ana, Lead], Chatted(graph));
        Assert.Contains(await TimelineAsync(app, id), t => t.Kind == OnCallKinds.Escalated && t.Text.Contains("level 2") && t.Text.Contains(Lead));
        var state = await app.Get<IncidentStates>().ReadAsync<OnCallState>(id, default);
        Assert.Equal(("checkout", 2), (state.Policy, state.Level));
        Assert.Equal([Ana, Lead], state.PagedPeople);

        await app.Get<IncidentService>().AcknowledgeAsync(id, Lead, Lead, default);
        app.Time.Advance(TimeSpan.FromHours(2));
        await RunAsync(app, id);
        Assert.Equal([Ana, Lead], Mailed(graph));                                         // acknowledged: the boss is never paged
        Assert.Contains(await TimelineAsync(app, id), t => t.Kind == OnCallKinds.EscalationStopped && t.Text.Contains($"acknowledged by {Lead}"));
        Assert.Empty(await app.Get<IncidentStore>().GetOpenActionsAsync(id, default));
    }

    [Fact]
    public async Task An_acknowledgement_at_the_moment_of_the_escalation_pages_at_most_the_next_levels_people()
    {
        // Acknowledged before the step runs (same instant): nobody more is paged.
        var graph = new FakeGraphHandler();
        await using (var app = await TestApp.StartAsync(azurite, Settings(), graph.Install))
        {
            var id = await FireAsync(app, "same-" + Guid.NewGuid().ToString("N")[..6]);
            await RunAsync(app, id);
            app.Time.Advance(TimeSpan.FromMinutes(10));
            await app.Get<IncidentService>().AcknowledgeAsync(id, Ana, Ana, default);
            await RunAsync(app, id);
            Assert.Equal([Ana], Mailed(graph));
            Assert.Contains(await TimelineAsync(app, id), t => t.Kind == OnCallKinds.EscalationStopped && t.Text.Contains("before level 2"));
        }

        // The step ran first (same instant), then the acknowledgement: level 2 (Lead) is paged once, level 3 (Boss) never.
        graph = new FakeGraphHandler();
        await using (var app = await TestApp.StartAsync(azurite, Settings(), graph.Install))
        {
            var id = await FireAsync(app, "race-" + Guid.NewGuid().ToString("N")[..6]);
            await RunAsync(app, id);
            app.Time.Advance(TimeSpan.FromMinutes(10));
            await RunAsync(app, id);
            await app.Get<IncidentService>().AcknowledgeAsync(id, Ana, Ana, default);
            for (var i = 0; i < 4; i++) { app.Time.Advance(TimeSpan.FromMinutes(15)); await RunAsync(app, id); }
            Assert.Equal([Ana, Lead], Mailed(graph));
        }
    }

    [Fact]
    public async Task A_page_owed_when_the_acknowledgement_lands_is_not_sent()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings(), graph.Install);
        var id = await FireAsync(app, "owed-" + Guid.NewGuid().ToString("N")[..6]);
        // The acknowledgement lands while Ana's page is owed but not sent yet (the Graph call for Ana's chat sees it first).
        var acknowledged = false;
        graph.Answered = _ =>
        {
            if (acknowledged) return;
            acknowledged = true;
            app.Get<IncidentService>().AcknowledgeAsync(id, Ben, Ben, default).GetAwaiter().GetResult();
        };
        await RunAsync(app, id);
        Assert.Equal([Ana], Chatted(graph)); // the chat that was under way went out …
        app.Time.Advance(TimeSpan.FromHours(1));
        await RunAsync(app, id);
        Assert.Equal([Ana], Chatted(graph)); // … and no level after it
    }

    [Fact]
    public async Task A_reopen_restarts_the_policy_from_level_1()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings(), graph.Install);
        var fingerprint = "reopen-" + Guid.NewGuid().ToString("N")[..6];
        var id = await FireAsync(app, fingerprint);
        await RunAsync(app, id);
        await app.Get<IncidentService>().ResolveAsync(id, "rolled back", Ana, default);
        app.Time.Advance(TimeSpan.FromMinutes(10));
        await RunAsync(app, id);
        Assert.Equal([Ana], Mailed(graph));                                               // resolved: level 2 not paged

        app.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(id, await FireAsync(app, fingerprint));                              // fires again: reopened
        await RunAsync(app, id);
        Assert.Equal([Ana, Ana], Mailed(graph));                                          // level 1 again
        app.Time.Advance(TimeSpan.FromMinutes(10));
        await RunAsync(app, id);
        Assert.Equal([Ana, Ana, Lead], Mailed(graph));                                    // and level 2, 10 min after the reopening
        var state = await app.Get<IncidentStates>().ReadAsync<OnCallState>(id, default);
        Assert.Equal([Ana, Lead], state.PagedPeople);
    }

    [Fact]
    public async Task Two_hosts_running_the_outbox_together_page_each_person_once()
    {
        var (graphA, graphB) = (new FakeGraphHandler(), new FakeGraphHandler());
        await using var a = await TestApp.StartAsync(azurite, Settings(), graphA.Install);
        await using var b = await TestApp.StartAsync(azurite, Settings(a.Prefix), graphB.Install);
        var id = await FireAsync(a, "two-" + Guid.NewGuid().ToString("N")[..6]);
        for (var i = 0; i < 14; i++) // past the last level's minutes (60)
        {
            await Task.WhenAll(RunAsync(a, id), RunAsync(b, id), RunAsync(a, id), RunAsync(b, id));
            a.Time.Advance(TimeSpan.FromMinutes(5));
            b.Time.Advance(TimeSpan.FromMinutes(5));
        }
        var mailed = Mailed(graphA).Concat(Mailed(graphB)).Order().ToList();
        Assert.Equal([Ana, Boss, Lead], mailed);
        Assert.Equal([Ana, Boss, Lead], Chatted(graphA).Concat(Chatted(graphB)).Order().ToList());
        Assert.Single(await TimelineAsync(a, id), t => t.Kind == OnCallKinds.EscalationExhausted);
    }

    [Fact]
    public async Task A_severity_that_does_not_page_at_once_waits_for_working_hours()
    {
        var graph = new FakeGraphHandler();
        var settings = Settings();
        settings["AutoResponder:OnCall:PageAtOnce:0"] = "Sev1";
        settings["AutoResponder:OnCall:WorkingHours:TimeZone"] = "Europe/Berlin";
        await using var app = await TestApp.StartAsync(azurite, settings, graph.Install);
        app.Time.Advance(TimeSpan.FromHours(10));                                          // Thursday 20:00 in Berlin
        var id = await FireAsync(app, "wh-" + Guid.NewGuid().ToString("N")[..6], Severity.Sev3);
        await RunAsync(app, id);
        Assert.Empty(Mailed(graph));
        Assert.Contains(await TimelineAsync(app, id), t => t.Kind == OnCallKinds.EscalationDeferred && t.Text.Contains("2026-11-27 08:00"));
        app.Time.Advance(TimeSpan.FromHours(13) - TimeSpan.FromSeconds(1));              // Friday 08:59:59 in Berlin
        await RunAsync(app, id);
        Assert.Empty(Mailed(graph));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await RunAsync(app, id);
        Assert.Equal([Ana], Mailed(graph));
    }

    [Fact]
    public async Task A_channel_that_fails_does_not_hold_back_the_others_and_is_retried_alone()
    {
        var graph = new FakeGraphHandler();
        // Teams chat refused once (say Chat.Create not consented yet): the e-mail still goes out at once.
        graph.ThenStatus(System.Net.HttpStatusCode.Forbidden, when: r => r.RequestUri!.AbsolutePath.EndsWith("/chats"));
        await using var app = await TestApp.StartAsync(azurite, Settings(), graph.Install);
        var id = await FireAsync(app, "chan-" + Guid.NewGuid().ToString("N")[..6]);
        await RunAsync(app, id);
        Assert.Equal([Ana], Mailed(graph));
        Assert.DoesNotContain(graph.Requests, r => r.Path.StartsWith("/v1.0/chats/"));
        var page = Assert.Single(await app.Get<IncidentStore>().GetOpenActionsAsync(id, default), a => a.Kind == OnCallOutbox.PageSend.Name);
        Assert.Equal(1, page.Attempts);

        app.Time.Advance(TimeSpan.FromMinutes(1));                                       // the retry: the chat only
        await RunAsync(app, id);
        Assert.Equal([Ana], Mailed(graph));                                               // no second e-mail
        Assert.Single(graph.Requests, r => r.Method == HttpMethod.Post && r.Path.StartsWith("/v1.0/chats/"));
    }
}
