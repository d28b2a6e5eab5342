using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using AutoResponder.Teams;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;

namespace AutoResponder.Tests.StatusEmails;

/// <summary>Managers get one storm e-mail, not one per incident, for the incidents listed in a Teams storm digest.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StormEmailTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["AutoResponder:Teams:Enabled"] = "true",
        ["AutoResponder:Teams:TeamId"] = "team-1",
        ["AutoResponder:Teams:ChannelId"] = "19:storm@thread.tacv2",
        ["AutoResponder:Teams:StormThreshold"] = "1",
        ["AutoResponder:Mail:Sender"] = "incidents@contoso.com",
        ["AutoResponder:Mail:ManagerRecipients:Default"] = "managers@contoso.com",
        ["AutoResponder:StatusEmails:Enabled"] = "true",
    };

    private static async Task<string> OpenAsync(TestApp app, string name, Severity severity) =>
        (await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert(name, app.Time.GetUtcNow(), severity), default)).IncidentId!;

    [Fact]
    public async Task Digested_incidents_share_one_storm_email_Sev1_and_the_acknowledged_get_their_own()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);
        var runner = app.Get<OutboxRunner>();
        var first = await OpenAsync(app, "storm-0", Severity.Sev2);   // within the threshold: its own post
        var listed = new[] { await OpenAsync(app, "storm-1", Severity.Sev2), await OpenAsync(app, "storm-2", Severity.Sev2) };
        var sev1 = await OpenAsync(app, "storm-sev1", Severity.Sev1); // always its own post
        string[] all = [first, sev1, .. listed];
        foreach (var id in all) await runner.RunAsync(id, default);
        foreach (var id in listed) Assert.NotNull((await app.Get<IncidentStates>().ReadAsync<TeamsState>(id, default)).Digest);

        // The digested ones are listed instead of sent; the others get their own first e-mail.
        Assert.Equal(2, graph.SendMails.Count);
        Assert.Contains(graph.SendMails, m => m.Subject.Contains(first));
        Assert.Contains(graph.SendMails, m => m.Subject.Contains(sev1));
        var timeline = (await app.Get<IncidentStore>().GetDetailsAsync(listed[1], default))!.Timeline;
        Assert.Contains(timeline, t => t.Kind == TimelineKinds.StatusEmail && t.Text.Contains("listed in one storm e-mail"));

        // The window closes: one storm e-mail lists both, once, to the same managers.
        app.Time.Advance(TimeSpan.FromMinutes(2));
        foreach (var id in all) await runner.RunAsync(id, default);
        foreach (var id in all) await runner.RunAsync(id, default);
        Assert.Equal(3, graph.SendMails.Count);
        var storm = graph.SendMails[2];
        Assert.StartsWith("[Storm] 2 incidents", storm.Subject);
        Assert.Equal(["managers@contoso.com"], storm.To);
        Assert.All(listed, id => Assert.Contains(id, storm.Html));
        Assert.DoesNotContain(first, storm.Html);
        Assert.DoesNotContain(sev1, storm.Html);

        // One of them is acknowledged: from then on it gets its own e-mails; the other is still listed.
        await app.Get<IncidentService>().AcknowledgeAsync(listed[0], "Jane Doe", "jane", default);
        await runner.RunAsync(listed[0], default);
        app.Time.Advance(TimeSpan.FromMinutes(59)); // the hourly Sev2 update is due
        await app.Get<StatusEmailSweep>().SweepAsync(default);
        foreach (var id in all) await runner.RunAsync(id, default);
        var updates = graph.SendMails.Skip(3).ToList();
        Assert.Contains(updates, m => m.Subject.Contains(listed[0]) && m.Subject.Contains("Status update"));
        Assert.Contains(updates, m => m.Subject.Contains(first) && m.Subject.Contains("Status update"));
        Assert.DoesNotContain(updates, m => m.Subject.Contains(listed[1]) || m.Subject.StartsWith("[Storm]"));
        app.Time.Advance(TimeSpan.FromMinutes(2));
        foreach (var id in all) await runner.RunAsync(id, default);
        var second = Assert.Single(graph.SendMails.Skip(3), m => m.Subject.StartsWith("[Storm]"));
        Assert.StartsWith("[Storm] 1 incident ", second.Subject);
        Assert.Contains(listed[1], second.Html);
        Assert.DoesNotContain(listed[0], second.Html);
    }

    private static async Task<AutoResponder.Incidents.Resources.StatusEmailsSummary> SummaryAsync(TestApp app, string id) =>
        (await app.Get<AutoResponder.Incidents.Api.IncidentResources>().ReadAsync(
            (await app.Get<IncidentStore>().FindAsync(id, default))!, default)).StatusEmails;

    [Fact]
    public async Task A_status_email_listed_in_a_storm_email_counts_as_sent_when_the_storm_email_goes_once()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);
        var runner = app.Get<OutboxRunner>();
        var first = await OpenAsync(app, "count-0", Severity.Sev2); // its own post and its own e-mail
        var listed = new[] { await OpenAsync(app, "count-1", Severity.Sev2), await OpenAsync(app, "count-2", Severity.Sev2) };
        string[] all = [first, .. listed];
        foreach (var id in all) await runner.RunAsync(id, default);
        var ownSentAt = app.Time.GetUtcNow();
        Assert.Equal(1, (await SummaryAsync(app, first)).Sent);

        // Listed in the storm e-mail, which has not gone: not sent yet, and the summary says where it waits.
        Assert.DoesNotContain(graph.SendMails, m => m.Subject.StartsWith("[Storm]"));
        foreach (var id in listed)
        {
            var pending = await SummaryAsync(app, id);
            Assert.Equal(0, pending.Sent);
            Assert.Null(pending.LastSentAt);
            Assert.True(pending.InStormEmail);
        }

        // The window closes and the storm e-mail goes: now each listed incident's e-mail counts, once, at that time.
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var stormSentAt = app.Time.GetUtcNow();
        foreach (var id in all) await runner.RunAsync(id, default);
        foreach (var id in all) await runner.RunAsync(id, default);
        Assert.Single(graph.SendMails, m => m.Subject.StartsWith("[Storm]"));
        foreach (var id in listed)
        {
            var sent = await SummaryAsync(app, id);
            Assert.Equal(1, sent.Sent);
            Assert.Equal(stormSentAt, sent.LastSentAt);
            Assert.False(sent.InStormEmail);
        }
        Assert.Equal((1, ownSentAt), ((await SummaryAsync(app, first)).Sent, (await SummaryAsync(app, first)).LastSentAt));

        // Counting again (a storm e-mail action retried after its send) never counts twice.
        var window = (await app.Get<IncidentStates>().ReadAsync<StatusEmailState>(listed[0], default)).StormCountedIn!;
        var (_, items) = await app.Get<StormEmails>().ReadAsync(window, default);
        await app.Get<StormEmails>().CountSentAsync(window, items, app.Time.GetUtcNow(), default);
        foreach (var id in listed) Assert.Equal(1, (await SummaryAsync(app, id)).Sent);
    }

    [Fact]
    public async Task A_listing_whose_outcome_was_lost_is_found_by_its_retry_so_the_window_it_owes_is_still_sent()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);
        var runner = app.Get<OutboxRunner>();
        var first = await OpenAsync(app, "lost-0", Severity.Sev2); // its own post
        await runner.RunAsync(first, default);
        var owner = await OpenAsync(app, "lost-1", Severity.Sev2);
        var other = await OpenAsync(app, "lost-2", Severity.Sev2);
        foreach (var id in new[] { owner, other }) await runner.RunAsync(id, SignalLane.FirstNotice, default); // digested

        // The owner's status e-mail lists it first (so it owes the window's send), and then the host stops before the
        // outcome is recorded: the action stays owed, and no storm e-mail action exists.
        var action = (await app.Get<IncidentStore>().GetDetailsAsync(owner, default))!.Actions
            .Single(a => a.Kind == StatusEmailOutbox.Email.Name);
        var incident = (await app.Get<IncidentStore>().FindAsync(owner, default))!;
        var listed = await app.Get<StormEmails>().ListAsync(incident, action, StatusEmailKind.Opened, ["managers@contoso.com"], default);
        Assert.True(listed!.Value.OwesSend);
        await runner.RunAsync(other, default); // listed in the same window; the owner sends it
        await app.Get<IncidentService>().AcknowledgeAsync(other, "Jane Doe", "jane", default); // before the e-mail goes

        app.Time.Advance(TimeSpan.FromMinutes(3)); // the retry, minutes later
        foreach (var id in new[] { first, owner, other }) await runner.RunAsync(id, default);
        app.Time.Advance(TimeSpan.FromMinutes(2));
        foreach (var id in new[] { first, owner, other }) await runner.RunAsync(id, default);

        var storm = Assert.Single(graph.SendMails, m => m.Subject.StartsWith("[Storm]"));
        Assert.Contains(owner, storm.Html);
        Assert.Contains(other, storm.Html); // the other incident's e-mail was not lost with the window
        Assert.Matches($@"{other}</a> [^<]*\(acknowledged\)", storm.Html); // as it is when the e-mail goes, not when listed
        Assert.Contains(StormEmails.MinuteOf(listed.Value.Window).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), storm.Subject);
        // Each counts the storm e-mail once, as sent when it went.
        foreach (var id in new[] { owner, other })
            Assert.Equal(1, (await app.Get<IncidentStates>().ReadAsync<StatusEmailState>(id, default)).Sent);
    }
}
