using System.Text.Json;
using AutoResponder.Alerts;
using AutoResponder.Changes;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.Reminders;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;
using AutoResponder.WebConsole;

namespace AutoResponder.Tests.Changes;

/// <summary>
/// The suspects where responders look: the newest three in the Teams root card and the first status e-mail, all of
/// them in the postmortem draft and on the console's incident page. Read at render time, on a fake clock.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SuspectsInMessagesTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["AutoResponder:Teams:Enabled"] = "true",
        ["AutoResponder:Teams:TeamId"] = "team-1",
        ["AutoResponder:Teams:ChannelId"] = "19:chan-1@thread.tacv2",
        ["AutoResponder:Mail:Sender"] = "incidents@contoso.com",
        ["AutoResponder:Mail:ManagerRecipients:Default"] = "managers@contoso.com",
        ["AutoResponder:StatusEmails:Enabled"] = "true",
        ["AutoResponder:Reminders:Enabled"] = "true",
        ["AutoResponder:Changes:Services:checkout:DependsOn"] = "payments",
    };

    private static async Task RecordAsync(TestApp app, string service, string summary, DateTimeOffset at)
    {
        using var body = JsonDocument.Parse(JsonSerializer.Serialize(new { service, summary, at, link = "https://ci.shop.example/" + Uri.EscapeDataString(summary) }));
        var change = ChangeParser.ParseGeneric(body.RootElement).Change!;
        Assert.True(await app.Get<ChangeStore>().TryAddAsync(ChangeRow.From(change, app.Time.GetUtcNow()), default));
    }

    [Fact]
    public async Task Teams_root_card_first_email_postmortem_draft_and_console_page_show_the_suspects_newest_first_and_the_draft_lists_action_items()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);
        var firstAlert = app.Time.GetUtcNow().AddMinutes(-5);
        await RecordAsync(app, "checkout", "Deploy checkout 2.14", firstAlert.AddHours(-1));
        await RecordAsync(app, "payments", "Payments SDK 4.2", firstAlert.AddHours(-2));
        await RecordAsync(app, "checkout", "Price cache TTL 1 h", firstAlert.AddMinutes(-10));
        await RecordAsync(app, "checkout", "Feature flag new-pricing on", firstAlert.AddHours(-5));
        await RecordAsync(app, "search", "Search reindex", firstAlert.AddMinutes(-3));          // another service
        await RecordAsync(app, "checkout", "Deploy checkout 2.9", firstAlert.AddHours(-30));    // before the window

        var alert = AlertIngestorTests.Alert("fp-prices", firstAlert, Severity.Sev1, "checkout");
        var id = (await app.Get<AlertIngestor>().IngestAsync(alert, default)).IncidentId!;
        var runner = app.Get<OutboxRunner>();
        await runner.RunAsync(id, default);

        string[] newestThree = ["Price cache TTL 1 h", "Deploy checkout 2.14", "Payments SDK 4.2"];
        var card = graph.Posts("/messages").Select(p => TeamsCard(p)).Single();
        AssertInOrder(card, newestThree);
        Assert.DoesNotContain("new-pricing", card);                                             // only the newest three
        Assert.DoesNotContain("Search reindex", card);

        var email = Assert.Single(graph.SendMails);
        AssertInOrder(email.Html, newestThree);
        Assert.DoesNotContain("new-pricing", email.Html);
        Assert.Contains("href=\"https://ci.shop.example/Deploy%20checkout%202.14\"", email.Html);

        var page = await app.Get<ConsoleData>().GetAsync(id, default);
        Assert.Equal(["Price cache TTL 1 h", "Deploy checkout 2.14", "Payments SDK 4.2", "Feature flag new-pricing on"], page!.Suspects!.Select(s => s.Text).ToArray());
        var html = ConsolePages.Incident(page, new ConsoleUser(new AutoResponder.Access.Caller("alice", ["responder"], "token")), "csrf", app.Time.GetUtcNow(), null);
        Assert.Contains("Recent changes (suspects)", html);
        AssertInOrder(html, [.. newestThree, "Feature flag new-pricing on"]);

        var item = await app.Get<AutoResponder.ActionItems.ActionItemService>().AddAsync(id, "Alert on price discrepancies", "dana@shop.example", firstAlert.AddDays(7), null, "alice", null, default);
        await app.Get<IncidentService>().ResolveAsync(id, "cache TTL reverted", "alice", default);
        await runner.RunAsync(id, default);
        await using var draft = (await app.Get<PostmortemDraftBlobs>().OpenLatestAsync(id, default))!.Content;
        var markdown = await new StreamReader(draft).ReadToEndAsync();
        var section = markdown[markdown.IndexOf("## Changes before the first alert", StringComparison.Ordinal)..markdown.IndexOf("## Timeline", StringComparison.Ordinal)];
        AssertInOrder(section, [.. newestThree, "Feature flag new-pricing on"]);
        Assert.DoesNotContain("Search reindex", section);
        Assert.DoesNotContain("2.9", section);
        Assert.Contains($"| 1 | Alert on price discrepancies | dana@shop.example | {AutoResponder.StatusEmails.StatusEmailRenderer.Time(item.DueAt)} | open |", markdown);
    }

    private static string TeamsCard(GraphRequest post) =>
        (string)post.Json!["attachments"]![0]!["content"]!;

    private static void AssertInOrder(string text, IReadOnlyList<string> items)
    {
        var at = -1;
        foreach (var item in items)
        {
            var next = text.IndexOf(item, StringComparison.Ordinal);
            Assert.True(next > at, $"'{item}' missing or out of order in: {text}");
            at = next;
        }
    }
}
