using System.Text;
using AutoResponder.Access;
using AutoResponder.Alerts;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Api;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.Reminders;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.Tests.Reminders;

[Collection(AzuriteCollection.Name)]
public sealed class ReminderFlowTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["AutoResponder:Mail:Sender"] = "incidents@contoso.com",
        ["AutoResponder:Mail:ManagerRecipients:Default"] = "managers@contoso.com",
        ["AutoResponder:Reminders:Enabled"] = "true",
        ["AutoResponder:Reminders:TimeZone"] = "Europe/Amsterdam",
        ["AutoResponder:PublicBaseUrl"] = "https://incidents.shop.example",
    };

    private sealed record Started(TestApp App, FakeGraphHandler Graph, string Id) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
        public Task RunOutboxAsync() => App.Get<OutboxRunner>().RunAsync(Id, default);
        public async Task<IncidentDetails> DetailsAsync() => (await App.Get<IncidentStore>().GetDetailsAsync(Id, default))!;
        public Task<ReminderState> ReminderAsync(string kind) => App.Get<IncidentStates>().ReadAsync<ReminderState>(Id, ReminderState.KeyFor(kind), default);
        public Task<PostmortemState> PostmortemAsync() => App.Get<IncidentStates>().ReadAsync<PostmortemState>(Id, default);
        public async Task<ReminderMessage> ScheduledAsync(string kind)
        {
            var r = await ReminderAsync(kind);
            return new ReminderMessage(r.ReminderId!, Id, kind, r.DueAt!.Value);
        }
    }

    /// <summary>Opens a Sev2 incident on Thu 2026-11-26 09:00Z (10:00 in Amsterdam), gives it an owner and, unless told otherwise, resolves it.</summary>
    private async Task<Started> StartAsync(bool resolve = true)
    {
        var graph = new FakeGraphHandler();
        var app = await TestApp.StartAsync(azurite, Settings, graph.Install);
        var id = (await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert("fp-rca-" + Guid.NewGuid().ToString("N")[..6], app.Time.GetUtcNow(), Severity.Sev2), default)).IncidentId!;
        var started = new Started(app, graph, id);
        await app.Get<IncidentService>().AcknowledgeAsync(id, "alice@contoso.com", "alice@contoso.com", default);
        if (resolve)
        {
            await app.Get<IncidentService>().UpdateStatusAsync(id, "Payment provider timeouts", null, null, "alice@contoso.com", default);
            app.Time.Advance(TimeSpan.FromMinutes(45));
            await app.Get<IncidentService>().ResolveAsync(id, "Provider recovered", "alice@contoso.com", default);
            await started.RunOutboxAsync();
        }
        return started;
    }

    private static readonly Caller A = new("a", [Roles.Responder], "token");

    private static HttpRequest Request(string json)
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        context.Request.ContentType = "application/json";
        return context.Request;
    }

    [Fact]
    public async Task Resolution_stores_a_postmortem_draft_and_schedules_reminders_on_business_days()
    {
        await using var s = await StartAsync();
        foreach (var kind in ReminderKinds.All)
        {
            var reminder = await s.ReminderAsync(kind);
            Assert.Equal(("storage-queue", ReminderStatus.Scheduled, kind), (reminder.Transport, reminder.Status, reminder.Kind));
        }
        // Resolved Thu 09:45Z = 10:45 CET.
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 45, 0, TimeSpan.Zero), (await s.ReminderAsync(ReminderKinds.RcaDraft)).DueAt);         // Fri
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 45, 0, TimeSpan.Zero), (await s.ReminderAsync(ReminderKinds.Escalation)).DueAt);       // Mon
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 45, 0, TimeSpan.Zero), (await s.ReminderAsync(ReminderKinds.PostmortemReview)).DueAt);  // Tue
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 9, 45, 0, TimeSpan.Zero), (await s.ReminderAsync(ReminderKinds.ActionItems)).DueAt);       // Thu
        var postmortem = await s.PostmortemAsync();
        Assert.Equal(s.App.Time.GetUtcNow(), postmortem.DraftFor); // resolved at the test clock's now
        Assert.Equal(postmortem.DraftFor, postmortem.RemindersScheduledFor);
        Assert.Equal(4, (await s.App.Get<StorageQueueReminders>().Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var blob = s.App.Storage.Container(PostmortemDraftHandler.ContainerName).GetBlobClient(postmortem.DraftBlob);
        var markdown = (await blob.DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains($"# Postmortem: {s.Id}", markdown);
        Assert.Contains("## Summary", markdown);
        Assert.Contains("Payment provider timeouts", markdown);
        Assert.Contains("## Timeline (UTC)", markdown);
        Assert.Contains("Acknowledged; owner alice@contoso.com", markdown);
        Assert.Contains("## Impact", markdown);
        Assert.Contains("not yet analysed", markdown);
        Assert.Contains("## Contributing factors", markdown);
        Assert.Contains("| # | Action | Owner | Due date | Status |", markdown);
        Assert.Contains("| 1 | _TODO_ | alice@contoso.com | 2026-12-03 09:45 UTC | open |", markdown);
        // No signed link is recorded or written: the timeline points at the authenticated route, and the container is private.
        Assert.DoesNotContain("http", postmortem.DraftBlob); // the state names the blob, never a link to it
        var drafted = Assert.Single((await s.DetailsAsync()).Timeline, t => t.Kind == TimelineKinds.PostmortemDrafted);
        Assert.EndsWith($"https://incidents.shop.example/api/incidents/{s.Id}/postmortem/draft", drafted.Text);
        var plain = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(blob.Uri).DownloadContentAsync());
        Assert.InRange(plain.Status, 400, 499);

        // A second run of the same outbox (a retry) schedules nothing more.
        await s.RunOutboxAsync();
        Assert.Equal(4, (await s.App.Get<StorageQueueReminders>().Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_delivered_reminder_nudges_the_owner_once_and_an_escalation_emails_the_managers()
    {
        await using var s = await StartAsync();
        var delivery = s.App.Get<ReminderDelivery>();
        var draftBlob = (await s.PostmortemAsync()).DraftBlob!;

        s.App.Time.Advance(TimeSpan.FromDays(1));
        var rca = await s.ScheduledAsync(ReminderKinds.RcaDraft);
        Assert.Equal("delivered", await delivery.HandleAsync(rca, default));
        Assert.Equal("dropped: it was already delivered", await delivery.HandleAsync(rca, default));
        await s.RunOutboxAsync();

        var nudge = Assert.Single((await s.DetailsAsync()).Timeline, t => t.Kind == TimelineKinds.RcaReminder);
        Assert.Contains("@alice@contoso.com", nudge.Text);
        // The draft's authenticated route (people sign in to read it), never a signed storage link that cannot be withdrawn.
        var draft = nudge.Text.Split("Postmortem draft: ")[1].Split(' ')[0];
        Assert.Equal($"https://incidents.shop.example/api/incidents/{s.Id}/postmortem/draft", draft);
        Assert.NotEmpty(draftBlob);
        var mail = Assert.Single(s.Graph.SendMails);
        Assert.Equal(["alice@contoso.com"], mail.To);
        Assert.StartsWith("[RCA reminder]", mail.Subject);
        Assert.Contains("Fri 27 Nov 2026 10:45", mail.Subject);
        Assert.Contains($"<a href=\"{System.Net.WebUtility.HtmlEncode(draft)}\">", mail.Html);

        s.App.Time.Advance(TimeSpan.FromDays(3));
        Assert.Equal("delivered", await delivery.HandleAsync(await s.ScheduledAsync(ReminderKinds.Escalation), default));
        await s.RunOutboxAsync();
        Assert.Single((await s.DetailsAsync()).Timeline, t => t.Kind == TimelineKinds.RcaEscalated);
        var escalation = s.Graph.SendMails[1];
        Assert.StartsWith("[RCA overdue]", escalation.Subject);
        Assert.Equal(["managers@contoso.com"], escalation.To);
        Assert.Equal(["alice@contoso.com"], escalation.Cc);
    }

    [Fact]
    public async Task Recording_the_postmortem_cancels_what_is_still_scheduled()
    {
        await using var s = await StartAsync();
        var endpoint = s.App.Get<RemindersEndpoint>();
        var review = await s.ScheduledAsync(ReminderKinds.PostmortemReview);
        var reviewTicket = (await s.ReminderAsync(ReminderKinds.PostmortemReview)).ReminderId!;

        var result = await endpoint.PostmortemAsync(Request("""{"link":"https://wiki.contoso.com/rca/123"}"""), new Caller("alice@contoso.com", [Roles.Responder], "token"), s.Id, default);
        Assert.Equal(200, result.StatusCode);
        await s.RunOutboxAsync();

        Assert.Equal("https://wiki.contoso.com/rca/123", (await s.PostmortemAsync()).Link);
        foreach (var kind in ReminderKinds.All) Assert.Equal(ReminderStatus.Cancelled, (await s.ReminderAsync(kind)).Status);
        Assert.True(await s.App.Get<StorageQueueReminders>().IsCancelledAsync(reviewTicket, default));
        var timeline = (await s.DetailsAsync()).Timeline;
        Assert.Contains(timeline, t => t.Kind == TimelineKinds.Postmortem && t.Text.Contains("https://wiki.contoso.com/rca/123"));
        Assert.Contains(timeline, t => t.Text == "RCA complete: 4 scheduled reminder(s) cancelled.");
        Assert.Equal("dropped: the RCA is complete", await s.App.Get<ReminderDelivery>().HandleAsync(review, default));
        Assert.Empty(s.Graph.SendMails);
    }

    [Fact]
    public async Task Changing_a_due_date_reschedules_and_the_old_message_is_ignored()
    {
        await using var s = await StartAsync();
        var old = await s.ScheduledAsync(ReminderKinds.PostmortemReview);
        var oldTicket = (await s.ReminderAsync(ReminderKinds.PostmortemReview)).ReminderId!;
        var newDue = new DateTimeOffset(2026, 12, 8, 13, 0, 0, TimeSpan.Zero);

        var result = await s.App.Get<RemindersEndpoint>().RescheduleAsync(Request("""{"dueAt":"2026-12-08T13:00:00Z","actor":"mallory"}"""), new Caller("bob@contoso.com", [Roles.Responder], "token"), s.Id, ReminderKinds.PostmortemReview, default);
        Assert.Equal(200, result.StatusCode);
        await s.RunOutboxAsync();

        var moved = await s.ScheduledAsync(ReminderKinds.PostmortemReview);
        Assert.Equal(newDue, moved.DueAt);
        Assert.NotEqual(old.ReminderId, moved.ReminderId);
        Assert.True(await s.App.Get<StorageQueueReminders>().IsCancelledAsync(oldTicket, default));
        Assert.Contains((await s.DetailsAsync()).Timeline, t => t.Kind == TimelineKinds.ReminderRescheduled && t.Actor == "bob@contoso.com");
        Assert.Equal("dropped: it was superseded or cancelled", await s.App.Get<ReminderDelivery>().HandleAsync(old, default));
    }

    [Fact]
    public async Task A_dead_lettered_reminder_is_shown_on_the_incident()
    {
        await using var s = await StartAsync();
        var rca = await s.ScheduledAsync(ReminderKinds.RcaDraft);

        await s.App.Get<ReminderDelivery>().RecordDeadLetterAsync(rca, "Failed 5 deliveries: TimeoutException: table timeout", default);

        var entry = Assert.Single((await s.DetailsAsync()).Timeline, t => t.Kind == TimelineKinds.ActionFailed);
        Assert.Contains("RCA draft reminder", entry.Text);
        Assert.Contains("dead-lettered: Failed 5 deliveries: TimeoutException: table timeout", entry.Text);
    }

    [Fact]
    public async Task Bad_requests_are_problems_that_name_the_field_and_store_nothing()
    {
        await using var s = await StartAsync(resolve: false);
        var endpoint = s.App.Get<RemindersEndpoint>();
        var before = (await s.DetailsAsync()).Timeline.Count;

        static string? Field(ApiResult r) => (r.Body as ProblemBody)?.Field;
        var notUrl = await endpoint.PostmortemAsync(Request("""{"link":"wiki page","actor":"a"}"""), A, s.Id, default);
        Assert.Equal((422, "link"), (notUrl.StatusCode, Field(notUrl)));
        var missing = await endpoint.PostmortemAsync(Request("""{"actor":"a"}"""), A, s.Id, default);
        Assert.Equal((400, "link"), (missing.StatusCode, Field(missing)));
        var open = await endpoint.PostmortemAsync(Request("""{"link":"https://wiki/rca","actor":"a"}"""), A, s.Id, default);
        Assert.Equal((409, "status"), (open.StatusCode, Field(open))); // not resolved yet
        var unknown = await endpoint.PostmortemAsync(Request("""{"link":"https://wiki/rca","actor":"a"}"""), A, "INC-20261126-ZZZZ", default);
        Assert.Equal(404, unknown.StatusCode);
        var kind = await endpoint.RescheduleAsync(Request("""{"dueAt":"2026-12-08T13:00:00Z","actor":"a"}"""), A, s.Id, "lunch", default);
        Assert.Equal((422, "kind"), (kind.StatusCode, Field(kind)));
        var past = await endpoint.RescheduleAsync(Request("""{"dueAt":"2020-01-01T00:00:00Z","actor":"a"}"""), A, s.Id, ReminderKinds.RcaDraft, default);
        Assert.Equal((422, "dueAt"), (past.StatusCode, Field(past)));
        var noDue = await endpoint.RescheduleAsync(Request("""{"actor":"a"}"""), A, s.Id, ReminderKinds.RcaDraft, default);
        Assert.Equal((400, "dueAt"), (noDue.StatusCode, Field(noDue)));

        Assert.Equal(before, (await s.DetailsAsync()).Timeline.Count);
    }

    [Fact]
    public async Task Reminders_are_scheduled_by_the_postmortem_draft_so_they_always_follow_it()
    {
        await using var s = await StartAsync(resolve: false);
        await s.App.Get<IncidentService>().ResolveAsync(s.Id, "Provider recovered", "alice@contoso.com", default);

        var owed = (await s.DetailsAsync()).Actions.Where(a => a.Status == OutboxStatus.Pending).Select(a => a.Kind).ToList();
        Assert.Contains(ReminderOutbox.PostmortemDraft.Name, owed);
        Assert.DoesNotContain(ReminderOutbox.Schedule.Name, owed);
        await s.RunOutboxAsync();

        var details = await s.DetailsAsync();
        var drafted = Assert.Single(details.Timeline, t => t.Kind == TimelineKinds.PostmortemDrafted);
        var schedule = Assert.Single(details.Actions, a => a.Kind == ReminderOutbox.Schedule.Name);
        var draft = Assert.Single(details.Actions, a => a.Kind == ReminderOutbox.PostmortemDraft.Name);
        Assert.Equal(OutboxStatus.Done, schedule.Status);
        Assert.True(schedule.CreatedAt >= draft.CompletedAt);
        Assert.Equal(drafted.At, schedule.CreatedAt);

        var state = await s.App.Get<IncidentResources>().ReadAsync((await s.App.Get<IncidentStore>().FindAsync(s.Id, default))!, default);
        Assert.Equal("drafted", state.Postmortem.State); // the draft exists, the RCA is still open
        Assert.Equal(ReminderKinds.All.Order(), state.Postmortem.Reminders.Select(r => r.Kind).Order());
        Assert.All(state.Postmortem.Reminders, r => Assert.Equal(("scheduled", true), (r.Status, r.DueAt > drafted.At)));
    }
}
