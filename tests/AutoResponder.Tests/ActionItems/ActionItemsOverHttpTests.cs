using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.ActionItems;
using AutoResponder.Outbox;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.ActionItems;

/// <summary>
/// Action items with real requests against the standalone host over Azurite, on a fake clock, with Graph's file transport:
/// the owner is reminded the working day before and on the due date, an overdue item is escalated to the managers, and
/// reminders stop when the item is done. Reminders are read back from the Graph outbox folder.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ActionItemsOverHttpTests(AzuriteFixture azurite)
{
    private const string IngestKey = "ingest-key-0123456789";
    // Thursday 26 November 2026, 10:00 in Amsterdam (the default reminder time zone; working hours 09:00-17:00).
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private sealed record Started(RunningHost Host, FakeTimeProvider Time, string Folder, string IncidentId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() { await Host.DisposeAsync(); if (Directory.Exists(Folder)) Directory.Delete(Folder, true); }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<Started> StartAsync(AzuriteFixture azurite)
    {
        var time = new FakeTimeProvider(Start);
        var folder = Path.Combine(Path.GetTempPath(), $"ai-graph-{Guid.NewGuid():N}");
        var host = await RunningHost.StartAsync(azurite, IngestKey, s => { s.AddSingleton<TimeProvider>(time); RunningHost.WithoutBackgroundWork(s); },
            $"AutoResponder:Graph:OutboxFolder={folder}", "AutoResponder:Mail:Sender=incidents@shop.example",
            "AutoResponder:Mail:ManagerRecipients:Default=managers@shop.example", "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false");
        var monitoring = host.NewClient(null);
        monitoring.DefaultRequestHeaders.Add("x-functions-key", IngestKey);
        var opened = await monitoring.PostAsync("/api/alerts", Json("""{"title":"Prices tampered at checkout","severity":"Sev2","service":"checkout"}"""));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        return new Started(host, time, folder, id);
    }

    /// <summary>What the scheduled job and the outbox would do by now: owe the due reminders and send them.</summary>
    private static async Task RunRemindersAsync(Started s)
    {
        await s.Host.Services.GetRequiredService<ActionItemReminderJob>().RunAsync(default);
        await s.Host.Services.GetRequiredService<OutboxRunner>().RunAsync(s.IncidentId, default);
    }

    private static List<(string Subject, string[] To)> Mails(Started s) => !Directory.Exists(s.Folder) ? [] :
        Directory.GetFiles(s.Folder, "*sendMail.json").Order().Select(f => JsonNode.Parse(File.ReadAllText(f))!["body"]!["Message"]!)
            .Select(m => ((string)m["subject"]!, m["toRecipients"]!.AsArray().Select(r => (string)r!["emailAddress"]!["address"]!).ToArray())).ToList();

    private static async Task<JsonObject> AddAsync(Started s, string title, string owner, DateTimeOffset due)
    {
        var response = await s.Host.Client.PostAsync($"/api/incidents/{s.IncidentId}/action-items", Json($$"""{"title":"{{title}}","owner":"{{owner}}","dueAt":"{{due:O}}"}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task An_item_added_or_closed_from_a_stale_page_is_412_and_stores_nothing()
    {
        await using var s = await StartAsync(azurite);
        var due = new DateTimeOffset(2026, 11, 27, 15, 0, 0, TimeSpan.Zero);
        var stale = (await s.Host.Client.GetAsync($"/api/incidents/{s.IncidentId}")).Headers.ETag!;
        var item = await AddAsync(s, "Alert on price discrepancies", "dana@shop.example", due); // moves the ETag on

        var add = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{s.IncidentId}/action-items")
        {
            Content = Json($$"""{"title":"From a stale page","owner":"erik@shop.example","dueAt":"{{due:O}}"}"""),
        };
        add.Headers.IfMatch.Add(stale);
        await BadInputTests.AssertProblem(await s.Host.Client.SendAsync(add), 412, "If-Match", "stale If-Match on add");
        var close = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{s.IncidentId}/action-items/{item["itemId"]}/status")
        {
            Content = Json("""{"status":"done"}"""),
        };
        close.Headers.IfMatch.Add(stale);
        await BadInputTests.AssertProblem(await s.Host.Client.SendAsync(close), 412, "If-Match", "stale If-Match on close");

        var items = s.Host.Services.GetRequiredService<ActionItemStore>();
        var stored = Assert.Single(await items.ForIncidentAsync(s.IncidentId, default));
        Assert.Equal("open", stored.Status);
        await RunRemindersAsync(s);
        Assert.Equal(["dana@shop.example"], Mails(s).Select(m => m.To.Single()).ToArray()); // no reminder for the refused one

        var fresh = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{s.IncidentId}/action-items/{item["itemId"]}/status")
        {
            Content = Json("""{"status":"done"}"""),
        };
        fresh.Headers.IfMatch.Add((await s.Host.Client.GetAsync($"/api/incidents/{s.IncidentId}")).Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await s.Host.Client.SendAsync(fresh)).StatusCode);
    }

    [Fact]
    public async Task An_item_due_tomorrow_reminds_its_owner_escalates_when_overdue_and_a_done_item_stops_reminding()
    {
        await using var s = await StartAsync(azurite);
        var due = new DateTimeOffset(2026, 11, 27, 15, 0, 0, TimeSpan.Zero);                      // Friday 16:00 local
        var alerting = await AddAsync(s, "Alert on price discrepancies", "dana@shop.example", due);
        var tests = await AddAsync(s, "More unit tests for pricing", "erik@shop.example", due);
        Assert.Equal("open", (string)alerting["status"]!);

        await RunRemindersAsync(s);                                                                // the working day before: today
        Assert.Equal(["dana@shop.example", "erik@shop.example"], Mails(s).Select(m => m.To.Single()).Order().ToArray());
        Assert.All(Mails(s), m => Assert.StartsWith("Action item due 2026-11-27 15:00 UTC", m.Subject));

        var done = await s.Host.Client.PostAsync($"/api/incidents/{s.IncidentId}/action-items/{tests["itemId"]}/status", Json("""{"status":"done"}"""));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);

        s.Time.SetUtcNow(new DateTimeOffset(2026, 11, 27, 8, 1, 0, TimeSpan.Zero));                // Friday 09:01 local: the due date
        await RunRemindersAsync(s);
        var onDueDate = Mails(s).Skip(2).ToList();
        Assert.Equal(("dana@shop.example", true), (Assert.Single(onDueDate).To.Single(), onDueDate[0].Subject.StartsWith("Action item due today")));

        s.Time.SetUtcNow(due.AddMinutes(1));                                                       // overdue: escalated to the managers
        await RunRemindersAsync(s);
        var escalation = Assert.Single(Mails(s).Skip(3));
        Assert.StartsWith("Overdue action item of dana@shop.example", escalation.Subject);
        Assert.Equal(["dana@shop.example", "managers@shop.example"], escalation.To);

        s.Time.Advance(TimeSpan.FromDays(7));                                                      // nothing more: escalated once, the other done
        await RunRemindersAsync(s);
        Assert.Equal(4, Mails(s).Count);
        Assert.DoesNotContain(Mails(s), m => m.To.Contains("erik@shop.example") && m.Subject.Contains("today"));

        var timeline = JsonNode.Parse(await s.Host.Client.GetStringAsync($"/api/incidents/{s.IncidentId}/timeline?limit=200"))!["timeline"]!.AsArray()
            .Select(t => (string)t!["kind"]!).ToList();
        Assert.Equal(2, timeline.Count(k => k == ActionItemKinds.Added));
        Assert.Equal(3, timeline.Count(k => k == ActionItemKinds.Reminded));
        Assert.Equal(1, timeline.Count(k => k == ActionItemKinds.Escalated));
        Assert.Equal(1, timeline.Count(k => k == ActionItemKinds.StatusChanged));

        var mine = JsonNode.Parse(await s.Host.Client.GetStringAsync("/api/action-items?owner=DANA@shop.example"))!["items"]!.AsArray();
        Assert.Equal(("Alert on price discrepancies", true), ((string)Assert.Single(mine)!["title"]!, (bool)mine[0]!["overdue"]!));
        var overdue = JsonNode.Parse(await s.Host.Client.GetStringAsync("/api/action-items?overdue=true"))!["items"]!.AsArray();
        Assert.Equal("dana@shop.example", (string)Assert.Single(overdue)!["owner"]!);
        var doneItems = JsonNode.Parse(await s.Host.Client.GetStringAsync("/api/action-items?status=done"))!["items"]!.AsArray();
        Assert.Equal("erik@shop.example", (string)Assert.Single(doneItems)!["owner"]!);

        var first = JsonNode.Parse(await s.Host.Client.GetStringAsync("/api/action-items?limit=1"))!;
        Assert.Single(first["items"]!.AsArray());
        var second = JsonNode.Parse(await s.Host.Client.GetStringAsync($"/api/action-items?limit=1&cursor={Uri.EscapeDataString((string)first["nextCursor"]!)}"))!;
        Assert.NotEqual((string)first["items"]![0]!["itemId"]!, (string)second["items"]![0]!["itemId"]!);
    }

    [Fact]
    public async Task Bad_input_names_the_field_and_dropping_needs_a_reason()
    {
        await using var s = await StartAsync(azurite);
        var path = $"/api/incidents/{s.IncidentId}/action-items";
        await BadInputTests.AssertProblem(await s.Host.Client.PostAsync(path, Json("""{"owner":"dana@shop.example","dueAt":"2026-11-27T15:00:00Z"}""")), 400, "title", "no title");
        await BadInputTests.AssertProblem(await s.Host.Client.PostAsync(path, Json("""{"title":"x","owner":"dana","dueAt":"2026-11-27T15:00:00Z"}""")), 422, "owner", "owner not an address");
        await BadInputTests.AssertProblem(await s.Host.Client.PostAsync(path, Json("""{"title":"x","owner":"dana@shop.example","dueAt":"soon"}""")), 422, "dueAt", "bad date");
        await BadInputTests.AssertProblem(await s.Host.Client.PostAsync(path, Json("""{"title":"x","owner":"dana@shop.example","dueAt":"2026-11-27T15:00:00Z","link":"javascript:x"}""")), 422, "link", "bad link");
        Assert.Empty(JsonNode.Parse(await s.Host.Client.GetStringAsync("/api/action-items"))!["items"]!.AsArray());

        var item = await AddAsync(s, "Refuse tampered values", "dana@shop.example", Start.AddDays(3));
        var status = $"{path}/{item["itemId"]}/status";
        await BadInputTests.AssertProblem(await s.Host.Client.PostAsync(status, Json("""{"status":"dropped"}""")), 422, "reason", "drop without reason");
        await BadInputTests.AssertProblem(await s.Host.Client.PostAsync(status, Json("""{"status":"finished"}""")), 422, "status", "unknown status");
        await BadInputTests.AssertProblem(await s.Host.Client.PostAsync($"{path}/AI00000000/status", Json("""{"status":"done"}""")), 404, "item", "unknown item");
        var dropped = await s.Host.Client.PostAsync(status, Json("""{"status":"dropped","reason":"covered by the price guard"}"""));
        Assert.Equal("covered by the price guard", (string)JsonNode.Parse(await dropped.Content.ReadAsStringAsync())!["reason"]!);
    }
}
