using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AutoResponder.Graph;
using AutoResponder.Impact;
using AutoResponder.Impact.Seeding;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static AutoResponder.Tests.Impact.ImpactRuleTests;

namespace AutoResponder.Tests.Access;

/// <summary>
/// Customer data leaves only through authenticated routes: after a whole incident lifecycle over real HTTP (alert, impact
/// snapshots and exports, Teams, status and ops e-mails, resolution, postmortem draft, RCA reminders), no signed storage
/// link is in any API answer, timeline entry, Teams or mail request, or the postmortem draft; the export is downloaded
/// through its route by ops or responders only, and every download is on the timeline under the caller's name.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class NoSignedLinksTests(AzuriteFixture azurite)
{
    private const string PublicBaseUrl = "https://incidents.shop.example";

    /// <summary>A SAS query parameter: signature, expiry, version, permissions, resource, start, delegation key.</summary>
    private static readonly Regex SasParameter = new(@"[?&](sig|se|sv|sp|sr|st|skoid|sktid)=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static readonly string[] Settings =
    [
        "AutoResponder:PublicBaseUrl=" + PublicBaseUrl,
        "AutoResponder:Teams:Enabled=true", "AutoResponder:Teams:TeamId=team-1", "AutoResponder:Teams:ChannelId=19:chan-1@thread.tacv2",
        "AutoResponder:StatusEmails:Enabled=true", "AutoResponder:Reminders:Enabled=true",
        "AutoResponder:Mail:Sender=incidents@shop.example", "AutoResponder:Mail:ManagerRecipients:Default=managers@shop.example",
        "AutoResponder:Mail:OpsRecipients=ops@shop.example", "AutoResponder:Mail:FallbackAddress=oncall@shop.example",
        // Small enough that the second export is linked (its route), not attached: both deliveries are exercised.
        "AutoResponder:Mail:MaxAttachmentBytes=2000",
        "AutoResponder:Impact:Rules:0:Name=all", "AutoResponder:Impact:Rules:0:MatchAll=true",
    ];

    /// <summary>The reminder transport (Service Bus in Azure): records what is scheduled; the test delivers it when due.</summary>
    private sealed class RecordingScheduler : IReminderScheduler
    {
        public ConcurrentQueue<ReminderMessage> Scheduled { get; } = new();
        public string Transport => "recorded";
        public Task<ReminderTicket> ScheduleAsync(ReminderMessage message, CancellationToken ct) { Scheduled.Enqueue(message); return Task.FromResult(new ReminderTicket(message.ReminderId)); }
        public Task CancelAsync(ReminderTicket ticket, CancellationToken ct) => Task.CompletedTask;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task After_a_whole_lifecycle_no_signed_link_is_anywhere_and_exports_go_through_the_audited_route()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        var graph = new FakeGraphHandler();
        var reminders = new RecordingScheduler();
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton(new GraphTransport(() => graph));
            services.AddSingleton<IReminderScheduler>(reminders);
            RunningHost.WithoutBackgroundWork(services); // the test drives the outbox and the sweeps, in fake time
        }, Settings);
        var answers = new List<(string Where, string Body)>();
        async Task<string> Read(HttpResponseMessage response, string where)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{where}: {(int)response.StatusCode} {body}");
            answers.Add((where, body));
            return body;
        }
        var runner = host.Services.GetRequiredService<OutboxRunner>();
        var store = host.Services.GetRequiredService<IncidentStore>();
        async Task SettleAsync(string incidentId)
        {
            for (var i = 0; i < 20; i++)
            {
                await runner.RunAsync(incidentId, default);
                var open = (await store.GetDetailsAsync(incidentId, default))!.Actions.Where(a => a.Status is OutboxStatus.Pending or OutboxStatus.Running).ToList();
                if (open.Count == 0) return;
                time.Advance(TimeSpan.FromSeconds(30));
            }
        }

        // Orders before the alert: the opening snapshot finds them.
        var orders = ImpactServices.CreateTableOrderSource(host.Storage, host.Services.GetRequiredService<IOptions<ImpactOptions>>().Value);
        await orders.Orders.CreateIfNotExistsAsync();
        await OrderSeeder.WriteOrdersAsync(orders.Orders, [Order("early-1", time.GetUtcNow().AddMinutes(-5)), Order("early-2", time.GetUtcNow().AddMinutes(-4))], 2, null, default);

        // 1. Monitoring opens the incident; the outbox posts to Teams, e-mails managers, takes the snapshot, mails ops.
        var opened = await host.NewClient(null).PostAsync("/api/alerts", Json("""{"title":"Checkout prices wrong","severity":"Sev1","service":"checkout"}"""));
        var id = (string)JsonNode.Parse(await Read(opened, "POST /api/alerts"))!["results"]![0]!["incidentId"]!;
        await SettleAsync(id);

        // 2. A responder acts; the impact is refreshed after more orders; managers get a cadence e-mail.
        var responder = await host.ClientAs("rita@shop.example", AutoResponder.Access.Roles.Responder);
        time.Advance(TimeSpan.FromMinutes(1));
        await Read(await responder.PostAsync($"/api/incidents/{id}/acknowledge", Json("{}")), "acknowledge");
        await Read(await responder.PostAsync($"/api/incidents/{id}/status", Json("""{"text":"Rolling back the price feed","nextSteps":"Refund"}""")), "status");
        await OrderSeeder.WriteOrdersAsync(orders.Orders, Enumerable.Range(0, 30).Select(i => Order($"late-{i}", time.GetUtcNow().AddSeconds(-i))).ToArray(), 4, null, default);
        await Read(await responder.PostAsync($"/api/incidents/{id}/impact/refresh", null), "impact refresh");
        await SettleAsync(id);
        time.Advance(TimeSpan.FromHours(1));
        await host.Services.GetRequiredService<StatusEmailSweep>().RunAsync(default);
        await SettleAsync(id);

        // 3. Exports: through the route, for ops and responders; viewers and strangers are refused.
        var ops = await host.ClientAs("olga@shop.example", AutoResponder.Access.Roles.Ops);
        var viewer = await host.ClientAs("manager@shop.example", AutoResponder.Access.Roles.Viewer);
        var impact = JsonNode.Parse(await Read(await viewer.GetAsync($"/api/incidents/{id}/impact"), "impact"))!;
        var snapshots = impact["snapshots"]!.AsArray();
        Assert.Equal(2, snapshots.Count);
        foreach (var snapshot in snapshots)
        {
            var download = (string)snapshot!["export"]!["download"]!;
            Assert.Equal($"/api/incidents/{id}/impact/snapshots/{(string)snapshot["snapshotId"]!}/export", download);
            using var csv = await ops.GetAsync(download);
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            Assert.Contains("early-1@example.com", await csv.Content.ReadAsStringAsync()); // the customer data itself, to ops
            await BadInputTests.AssertProblem(await viewer.GetAsync(download), 403, null!, "viewer downloading an export");
            await BadInputTests.AssertProblem(await host.NewClient(null).GetAsync(download), 401, "Authorization", "no credentials");
        }
        Assert.Equal(HttpStatusCode.OK, (await responder.GetAsync((string)snapshots[0]!["export"]!["download"]!)).StatusCode);

        // 4. Resolution: the final e-mail, the postmortem draft, the RCA reminders (delivered when due), their e-mails.
        // Until then the incident links no draft.
        var related = JsonNode.Parse(await Read(await viewer.GetAsync($"/api/incidents/{id}"), "incident before resolution"))!["related"]!.AsObject();
        Assert.True(related.ContainsKey("postmortemDraft") && related["postmortemDraft"] is null);
        time.Advance(TimeSpan.FromMinutes(10));
        await Read(await responder.PostAsync($"/api/incidents/{id}/resolve", Json("""{"text":"Price feed rolled back"}""")), "resolve");
        await SettleAsync(id);
        Assert.NotEmpty(reminders.Scheduled);
        foreach (var reminder in reminders.Scheduled.OrderBy(r => r.DueAt))
        {
            time.SetUtcNow(reminder.DueAt);
            await host.Services.GetRequiredService<IReminderHandler>().HandleAsync(reminder, default);
            await SettleAsync(id);
        }
        // The incident links its draft; the draft is for every role.
        var draftLink = (string?)JsonNode.Parse(await Read(await viewer.GetAsync($"/api/incidents/{id}"), "incident"))!["related"]!["postmortemDraft"];
        Assert.Equal($"/api/incidents/{id}/postmortem/draft", draftLink);
        var draft = await viewer.GetAsync(draftLink);
        var markdown = await Read(draft, "postmortem draft");
        Assert.Equal("text/markdown", draft.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith($"# Postmortem: {id}", markdown);

        // Every API answer, including the incident and its sub-resources now.
        foreach (var path in new[] { "/api/incidents", $"/api/incidents/{id}", $"/api/incidents/{id}/timeline?limit=500", $"/api/incidents/{id}/alerts",
                     $"/api/incidents/{id}/actions?limit=500", $"/api/incidents/{id}/impact", $"/api/incidents/{id}/watch", "/api/switches" })
            await Read(await viewer.GetAsync(path), "GET " + path);
        foreach (var (where, body) in answers) AssertNoSignedLink(where, body);

        // Every timeline entry, and the stored draft itself.
        var details = (await store.GetDetailsAsync(id, default))!;
        Assert.All(details.Actions, a => Assert.Equal(OutboxStatus.Done, a.Status));
        foreach (var entry in details.Timeline) AssertNoSignedLink($"timeline {entry.Kind}", entry.Text);
        var blobs = host.Services.GetRequiredService<PostmortemDraftBlobs>();
        await foreach (var blob in blobs.Container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, id, default))
            AssertNoSignedLink($"draft blob {blob.Name}", (await blobs.Container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());

        // Every request that reached Graph: Teams posts, replies and updates, and every e-mail.
        List<GraphRequest> requests;
        lock (graph.Requests) requests = graph.Requests.ToList();
        var teams = requests.Where(r => !r.Path.EndsWith("/sendMail", StringComparison.Ordinal)).ToList();
        var mails = graph.SendMails;
        Assert.NotEmpty(teams);
        foreach (var request in requests) AssertNoSignedLink($"Graph {request.Method} {request.Path}", request.Body ?? "");

        // What people get instead: the route, the console page, and the data attached for ops when it fits.
        var exportRoute = $"{PublicBaseUrl}/api/incidents/{id}/impact/snapshots/0001/export";
        Assert.Contains(details.Timeline, t => t.Kind == TimelineKinds.ImpactSnapshot && t.Text.EndsWith(exportRoute, StringComparison.Ordinal));
        Assert.Contains(teams, r => r.Body!.Contains(exportRoute, StringComparison.Ordinal));
        var opsMails = mails.Where(m => m.To.SequenceEqual(["ops@shop.example"])).ToList();
        Assert.Equal(2, opsMails.Count);
        Assert.Equal("#microsoft.graph.fileAttachment", opsMails[0].Message.GetProperty("attachments")[0].GetProperty("@odata.type").GetString());
        Assert.Contains($"{PublicBaseUrl}/api/incidents/{id}/impact/snapshots/0002/export", opsMails[1].Html);
        Assert.Contains(mails, m => m.Subject.StartsWith("[RCA reminder]") && m.Html.Contains($"{PublicBaseUrl}/api/incidents/{id}/postmortem/draft"));
        Assert.Contains(mails, m => m.Html.Contains($"{PublicBaseUrl}/incidents/{id}")); // status e-mails open the console page

        // Every download is on the timeline: who, when, which snapshot.
        var downloads = details.Timeline.Where(t => t.Kind == TimelineKinds.ExportDownloaded).ToList();
        Assert.Equal(3, downloads.Count);
        Assert.Equal(2, downloads.Count(t => t.Actor == "olga@shop.example"));
        Assert.Single(downloads, t => t.Actor == "rita@shop.example" && t.Text.Contains("impact snapshot 0002")); // the newest, listed first
        Assert.Contains(downloads, t => t.Actor == "olga@shop.example" && t.Text.Contains("impact snapshot 0001"));
    }

    /// <summary>No SAS parameter in the text, nor in any string inside it when it is JSON (where '&amp;' may be escaped as \u0026).</summary>
    private static void AssertNoSignedLink(string where, string text)
    {
        Assert.False(SasParameter.IsMatch(text), $"{where} carries a signed link: {SasParameter.Match(text).Value} in {Excerpt(text)}");
        JsonNode? json = null;
        try { json = JsonNode.Parse(text); } catch (JsonException) { }
        foreach (var value in Strings(json))
            Assert.False(SasParameter.IsMatch(value), $"{where} carries a signed link: {Excerpt(value)}");
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };

    private static string Excerpt(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
