using System.Text.Json;
using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Teams;
using Microsoft.Graph.Models;

namespace AutoResponder.Tests.Teams;

public sealed class TeamsMessageRendererTests
{
    private const string JaneId = "0c8a2d4e-1111-4a2b-9c3d-5e6f7a8b9c0d";

    internal static TeamsOptions Options() => new()
    {
        TeamId = "team-1",
        ChannelId = "chan-default",
        OnCall = "oncall@contoso.com",
        People = new(StringComparer.OrdinalIgnoreCase) { ["Jane Doe"] = JaneId },
        Routes =
        [
            new TeamsRoute { Severities = ["Sev0", "Sev1"], ChannelId = "chan-major", OnCall = "Jane Doe" },
            new TeamsRoute { Services = ["payments*"], TeamId = "team-pay", ChannelId = "chan-pay" },
        ],
    };

    private static TeamsRouting Routing(TeamsOptions? o = null) => new(Microsoft.Extensions.Options.Options.Create(o ?? Options()));

    private static IncidentRecord Incident() => new()
    {
        Id = "INC-20261126-0001",
        Title = "Checkout <errors> & timeouts",
        Severity = Severity.Sev2,
        Status = IncidentStatus.Acknowledged,
        Owner = "jane doe",
        Service = "checkout",
        OpenedAt = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero),
        DistinctAlertCount = 3,
        StatusText = "Rolling back release 42",
        NextSteps = "Watch error rate",
        Eta = new DateTimeOffset(2026, 11, 26, 11, 30, 0, TimeSpan.Zero),
        LinksJson = """[{"title":"Dashboard","url":"https://grafana.example/d/1"},{"title":"Bad","url":"javascript:alert(1)"}]""",
    };

    private static ConsoleLinks Links(string? baseUrl = "https://incidents.shop.example") =>
        new(Microsoft.Extensions.Options.Options.Create(new AutoResponder.Hosting.AutoResponderOptions { PublicBaseUrl = baseUrl }));

    private static JsonElement Card(ChatMessage message)
    {
        var attachment = Assert.Single(message.Attachments!);
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.ContentType);
        Assert.Contains($"<attachment id=\"{attachment.Id}\"></attachment>", message.Body!.Content);
        return JsonDocument.Parse(attachment.Content!).RootElement;
    }

    private static string FactOf(JsonElement card, string title) =>
        card.GetProperty("body").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "FactSet")
            .GetProperty("facts").EnumerateArray().Single(f => f.GetProperty("title").GetString() == title).GetProperty("value").GetString()!;

    private static List<(string Title, string Url)> Buttons(JsonElement card) =>
        card.GetProperty("actions").EnumerateArray().Select(a =>
        {
            Assert.Equal("Action.OpenUrl", a.GetProperty("type").GetString());
            return (a.GetProperty("title").GetString()!, a.GetProperty("url").GetString()!);
        }).ToList();

    [Fact]
    public void Root_post_is_an_adaptive_card_with_the_facts_console_buttons_and_the_owner_mentioned()
    {
        var renderer = new TeamsMessageRenderer(Routing(), Links());
        var incident = Incident();
        incident.Status = IncidentStatus.Open;
        var message = renderer.Root(incident, new TeamsTarget("team-1", "chan-1", null), "1,204 orders affected");
        var card = Card(message);

        Assert.Equal(BodyType.Html, message.Body!.ContentType);
        Assert.Equal("[Sev2] [Open] Checkout <errors> & timeouts", message.Subject);
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("[Sev2] Checkout <errors> & timeouts", card.GetProperty("body")[0].GetProperty("text").GetString());
        Assert.Equal("Open", FactOf(card, "Status"));
        Assert.Equal("Jane Doe", FactOf(card, "Owner"));
        Assert.Equal("2026-11-26 11:30 UTC", FactOf(card, "ETA"));
        Assert.Equal("Watch error rate", FactOf(card, "Next steps"));
        Assert.Equal("Rolling back release 42", FactOf(card, "Latest"));
        Assert.Equal("1,204 orders affected", FactOf(card, "Impact"));
        Assert.Equal(
        [
            ("Open incident", "https://incidents.shop.example/incidents/INC-20261126-0001"),
            ("Post an update", "https://incidents.shop.example/incidents/INC-20261126-0001#status-update"),
            ("Acknowledge", "https://incidents.shop.example/incidents/INC-20261126-0001#acknowledge"),
            ("Alert link: Dashboard (grafana.example)", "https://grafana.example/d/1"),
        ], Buttons(card));
        Assert.DoesNotContain("javascript:", message.Attachments!.Single().Content);

        Assert.Contains("<p>Owner: <at id=\"0\">Jane Doe</at></p>", message.Body.Content);
        var mention = Assert.Single(message.Mentions!);
        Assert.Equal(0, mention.Id);
        Assert.Equal("Jane Doe", mention.MentionText);
        Assert.Equal(JaneId, mention.Mentioned!.User!.Id);
    }

    [Fact]
    public void Once_acknowledged_the_card_drops_the_acknowledge_button_and_without_a_public_url_it_has_no_console_buttons()
    {
        var acknowledged = Card(new TeamsMessageRenderer(Routing(), Links()).Root(Incident(), new TeamsTarget("t", "c", null), null));
        Assert.Equal(["Open incident", "Post an update", "Alert link: Dashboard (grafana.example)"], Buttons(acknowledged).Select(b => b.Title));

        var noConsole = Card(new TeamsMessageRenderer(Routing(), Links(null)).Root(Incident(), new TeamsTarget("t", "c", null), null));
        Assert.Equal(["Alert link: Dashboard (grafana.example)"], Buttons(noConsole).Select(b => b.Title));
    }

    [Theory]
    [InlineData("https://incidents.shop.example", true)]
    [InlineData("https://incidents.shop.example/", true)]
    [InlineData("http://127.0.0.1:7071", true)]
    [InlineData("http://incidents.shop.example", false)]
    [InlineData("ftp://incidents.shop.example", false)]
    [InlineData("incidents.shop.example", false)]
    [InlineData("https://incidents.shop.example/?a=1", false)]
    public void The_public_base_url_is_validated(string url, bool valid)
    {
        var result = new AutoResponder.Hosting.AutoResponderOptionsValidator().Validate(null, new AutoResponder.Hosting.AutoResponderOptions { PublicBaseUrl = url });
        Assert.Equal(valid, result.Succeeded);
        if (!valid) Assert.StartsWith("AutoResponder:PublicBaseUrl ", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Without_an_owner_the_root_post_mentions_the_on_call_person()
    {
        var incident = Incident();
        incident.Owner = null;
        incident.Eta = null;
        var message = new TeamsMessageRenderer(Routing()).Root(incident, new TeamsTarget("t", "c", "Jane Doe"), null);
        var card = Card(message);

        Assert.Equal("not assigned (on call: Jane Doe)", FactOf(card, "Owner"));
        Assert.Contains("<p>On call: <at id=\"0\">Jane Doe</at></p>", message.Body!.Content);
        Assert.Equal("not yet known", FactOf(card, "ETA"));
        Assert.Equal("being assessed", FactOf(card, "Impact"));
        Assert.Equal(JaneId, Assert.Single(message.Mentions!).Mentioned!.User!.Id);
    }

    [Fact]
    public void An_owner_who_cannot_be_resolved_is_plain_text_without_a_mention()
    {
        var incident = Incident();
        incident.Owner = "Bob <the builder>";
        var message = new TeamsMessageRenderer(Routing()).Root(incident, new TeamsTarget("t", "c", null), null);

        Assert.Equal("Bob <the builder>", FactOf(Card(message), "Owner"));
        Assert.DoesNotContain("<at id", message.Body!.Content);
        Assert.Null(message.Mentions);
    }

    [Fact]
    public void Reply_carries_the_entry_and_mentions_the_owner_only_when_asked()
    {
        var renderer = new TeamsMessageRenderer(Routing());
        var entry = new TeamsReplyPayload("tl|1", "rca-reminder", "RCA due tomorrow, see https://wiki.example/rca", "autoresponder", new DateTimeOffset(2026, 11, 27, 8, 5, 0, TimeSpan.Zero));

        var withMention = renderer.Reply(Incident(), entry, mention: true);
        var without = renderer.Reply(Incident(), entry, mention: false);

        Assert.Contains("<b>RCA reminder</b> · 2026-11-27 08:05 UTC · autoresponder", withMention.Body!.Content);
        Assert.Contains("<a href=\"https://wiki.example/rca\">https://wiki.example/rca</a>", withMention.Body.Content);
        Assert.Contains("<at id=\"0\">Jane Doe</at>", withMention.Body.Content);
        Assert.Equal(JaneId, Assert.Single(withMention.Mentions!).Mentioned!.User!.Id);
        Assert.Null(withMention.Subject);
        Assert.DoesNotContain("<at", without.Body!.Content);
        Assert.Null(without.Mentions);
    }

    [Fact]
    public void A_reminder_reply_without_an_owner_mentions_the_on_call_person()
    {
        var incident = Incident();
        incident.Owner = null;
        var entry = new TeamsReplyPayload("tl|2", TimelineKinds.StatusOverdue, "No status update for 1 h", "autoresponder", incident.OpenedAt);
        var renderer = new TeamsMessageRenderer(Routing());

        var mentioned = renderer.Reply(incident, entry, mention: true, onCall: "Jane Doe");
        var unresolvable = renderer.Reply(incident, entry, mention: true, onCall: "Pager <duty>");

        Assert.Contains("<p>On call: <at id=\"0\">Jane Doe</at></p>", mentioned.Body!.Content);
        Assert.Equal(JaneId, Assert.Single(mentioned.Mentions!).Mentioned!.User!.Id);
        Assert.Contains("<p>On call: Pager &lt;duty&gt;</p>", unresolvable.Body!.Content);
        Assert.Null(unresolvable.Mentions);
    }

    [Fact]
    public void Text_from_alerts_and_people_cannot_inject_markup_or_links_into_the_card()
    {
        var incident = Incident();
        incident.StatusText = "<img src=x onerror=alert(1)> [click me](https://evil.example)";
        incident.NextSteps = "<script>alert(1)</script>";
        var message = new TeamsMessageRenderer(Routing()).Root(incident, new TeamsTarget("t", "c", null), "<iframe src=https://evil.example>");
        var card = Card(message);

        // The body holds only the attachment reference (and a mention): no alert text is HTML anywhere.
        Assert.DoesNotContain("<img", message.Body!.Content);
        Assert.DoesNotContain("<script", message.Body.Content);
        Assert.Equal("<img src=x onerror=alert(1)> [click me] (https://evil.example)", FactOf(card, "Latest"));
        Assert.Equal("<script>alert(1)</script>", FactOf(card, "Next steps"));
    }

    [Fact]
    public void An_alert_link_titled_like_a_card_button_is_labelled_as_the_alerts_link_with_its_host()
    {
        var incident = Incident();
        incident.Status = IncidentStatus.Open;
        incident.LinksJson = """[{"title":"Open incident","url":"https://incidents.shop.example.evil.example/x"},{"title":"Acknowledge","url":"https://шop.example/a"}]""";
        var buttons = Buttons(Card(new TeamsMessageRenderer(Routing(), Links()).Root(incident, new TeamsTarget("t", "c", null), null)));

        // The card's own buttons open the console; every other button says it is the alert's, and where it goes
        // (a look-alike host in punycode).
        Assert.Equal(["Open incident", "Post an update", "Acknowledge"], buttons.Take(3).Select(b => b.Title));
        Assert.All(buttons.Take(3), b => Assert.StartsWith("https://incidents.shop.example/incidents/", b.Url));
        Assert.Equal(
        [
            "Alert link: Open incident (incidents.shop.example.evil.example)",
            "Alert link: Acknowledge (xn--op-8mc.example)",
        ], buttons.Skip(3).Select(b => b.Title));
    }

    [Fact]
    public void Fingerprint_changes_when_what_the_card_shows_changes()
    {
        var renderer = new TeamsMessageRenderer(Routing());
        var target = new TeamsTarget("t", "c", null);
        var incident = Incident();
        var before = TeamsMessageRenderer.Fingerprint(renderer.Root(incident, target, null));
        Assert.Equal(before, TeamsMessageRenderer.Fingerprint(renderer.Root(incident, target, null)));
        incident.Status = IncidentStatus.Mitigated;
        Assert.NotEqual(before, TeamsMessageRenderer.Fingerprint(renderer.Root(incident, target, null)));
    }

    [Theory]
    [InlineData(Severity.Sev1, "checkout", "team-1", "chan-major", "Jane Doe")]
    [InlineData(Severity.Sev3, "payments-api", "team-pay", "chan-pay", "oncall@contoso.com")]
    [InlineData(Severity.Sev3, "checkout", "team-1", "chan-default", "oncall@contoso.com")]
    [InlineData(Severity.Sev0, "payments-api", "team-1", "chan-major", "Jane Doe")]
    public void Routes_pick_the_channel_by_severity_and_service_first_match_wins(Severity severity, string service, string team, string channel, string onCall)
    {
        var target = Routing().Route(new IncidentRecord { Severity = severity, Service = service });
        Assert.Equal(new TeamsTarget(team, channel, onCall), target);
    }

    [Theory]
    [InlineData("JANE DOE", JaneId)]
    [InlineData("5d7c8e9f-aaaa-4bbb-8ccc-123456789abc", "5d7c8e9f-aaaa-4bbb-8ccc-123456789abc")]
    [InlineData("sam@contoso.com", "sam@contoso.com")]
    [InlineData("Sam Smith", null)]
    [InlineData("", null)]
    public void People_resolve_by_configured_name_object_id_or_upn(string who, string? expectedId)
    {
        Assert.Equal(expectedId, Routing().Resolve(who)?.UserId);
    }

    [Fact]
    public void Validation_names_the_setting()
    {
        var graph = Microsoft.Extensions.Options.Options.Create(new AutoResponder.Graph.GraphOptions { TenantId = "contoso.onmicrosoft.com", ClientId = Guid.NewGuid().ToString() });
        var o = new TeamsOptions { Routes = [new TeamsRoute { Severities = ["Sev9"] }] };
        var result = new TeamsOptionsValidator(graph).Validate(null, o);
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:Teams:TeamId "));
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:Teams:Routes:0:ChannelId "));
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:Teams:Routes:0:Severities:0 "));
    }
}
