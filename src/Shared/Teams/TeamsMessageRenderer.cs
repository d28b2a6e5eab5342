using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Links;
using Microsoft.Graph.Models;

namespace AutoResponder.Teams;

/// <summary>A timeline entry as a Teams reply sees it (the outbox payload of "teams.reply").</summary>
internal sealed record TeamsReplyPayload(string Entry, string Kind, string Text, string Actor, DateTimeOffset At);

/// <summary>
/// Builds the Teams messages: the root post, one living Adaptive Card per incident (edited in place) with buttons
/// that open the incident's console page, and the threaded replies (HTML chatMessages). Text is HTML-encoded, URLs in
/// it become links, and a mention is <c>&lt;at id="0"&gt;Name&lt;/at&gt;</c> in the body plus a matching
/// <c>mentions</c> entry.
/// </summary>
internal sealed partial class TeamsMessageRenderer(TeamsRouting routing, ConsoleLinks? consoleLinks = null)
{
    public const string CardContentType = "application/vnd.microsoft.card.adaptive";
    public const string CardAttachmentId = "incident-card";

    /// <summary>
    /// The root post: an Adaptive Card (a Graph chatMessage attachment, referenced from the body by
    /// <c>&lt;attachment id&gt;</c>) with the incident's facts and buttons that open its console page. The body keeps
    /// the owner's (or on-call person's) @mention, which Teams only notifies from the message body.
    /// </summary>
    public ChatMessage Root(IncidentRecord incident, TeamsTarget target, string? impact,
        IReadOnlyList<SuspectLine>? suspects = null)
    {
        var mention = routing.Resolve(incident.Owner)
            ?? (incident.Owner is null ? routing.Resolve(target.OnCall) : null);
        var owner = incident.Owner is null
            ? "not assigned" + (target.OnCall is null ? "" : $" (on call: {(mention?.DisplayName ?? target.OnCall)})")
            : mention?.DisplayName ?? incident.Owner;
        var facts = new List<object>
        {
            Fact("Status", Label(incident.Status)),
            Fact("Severity", incident.SeverityName),
            Fact("Owner", owner),
        };
        if (incident.Service is not null) facts.Add(Fact("Service", incident.Service));
        facts.Add(Fact("Impact", string.IsNullOrWhiteSpace(impact) ? "being assessed" : impact));
        if (!string.IsNullOrWhiteSpace(incident.StatusText)) facts.Add(Fact("Latest", incident.StatusText));
        facts.Add(Fact("ETA", incident.Eta is { } eta
            ? $"{eta.ToUniversalTime():yyyy-MM-dd HH:mm} UTC" : "not yet known"));
        facts.Add(Fact("Next steps",
            string.IsNullOrWhiteSpace(incident.NextSteps) ? "to be decided" : incident.NextSteps));
        // The newest changes before the first alert (GET /api/incidents/{id}/changes lists all): one fact each.
        foreach (var (change, n) in (suspects ?? []).Select((c, n) => (c, n)))
            facts.Add(Fact(n == 0 ? "Recent changes" : "", change.Describe()));

        var actions = new List<object>();
        if (consoleLinks?.Incident(incident.Id) is { } page)
        {
            actions.Add(OpenUrl("Open incident", page));
            if (incident.Status.IsLive())
                actions.Add(OpenUrl("Post an update", consoleLinks.Incident(incident.Id, "status-update")!));
            if (incident.Status == IncidentStatus.Open)
                actions.Add(OpenUrl("Acknowledge", consoleLinks.Incident(incident.Id, "acknowledge")!));
        }
        foreach (var link in ReadLinks(incident.LinksJson).Take(3))
            actions.Add(OpenUrl(AlertLinkTitle(link), link.Url));

        var card = new Dictionary<string, object>
        {
            ["type"] = "AdaptiveCard",
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["version"] = "1.4",
            ["msteams"] = new { width = "Full" },
            ["body"] = new object[]
            {
                new { type = "TextBlock", text = Plain($"[{incident.SeverityName}] {incident.Title}", 300), weight = "Bolder", size = "Medium", wrap = true },
                new { type = "FactSet", facts },
                new { type = "TextBlock", isSubtle = true, size = "Small", wrap = true, text = Plain(
                    $"Incident {incident.Id} · opened {incident.OpenedAt.ToUniversalTime():yyyy-MM-dd HH:mm} UTC · " +
                    $"{incident.DistinctAlertCount} alert(s). " +
                    "This card is kept up to date; the thread below is the timeline.", 500) },
            },
            ["actions"] = actions,
        };
        var html = new StringBuilder();
        if (mention is not null)
            html.Append(incident.Owner is null ? $"<p>On call: {At(mention)}</p>" : $"<p>Owner: {At(mention)}</p>");
        html.Append($"<attachment id=\"{CardAttachmentId}\"></attachment>");
        var message = Message($"[{incident.SeverityName}] [{Label(incident.Status)}] {incident.Title}", html.ToString(),
            mention);
        message.Attachments =
        [
            new ChatMessageAttachment { Id = CardAttachmentId, ContentType = CardContentType, Content = JsonSerializer.Serialize(card, JsonSerializerOptions.Web) },
        ];
        return message;
    }

    /// <summary>The card of a root post, as JSON (what Teams renders).</summary>
    public static string? CardJson(ChatMessage message)
        => message.Attachments?.FirstOrDefault(a => a.ContentType == CardContentType)?.Content;

    private static object Fact(string title, string value) => new { title, value = Plain(value, 1000) };

    private static object OpenUrl(string title, string url) => new { type = "Action.OpenUrl", title, url };

    /// <summary>
    /// The button of a link an alert carried: labelled as the alert's, with the host it opens (punycode, so a
    /// look-alike name shows as what it is), e.g. "Alert link: Runbook (wiki.shop.example)". An alert titling its link
    /// "Open incident" cannot pass it off as one of the card's own buttons.
    /// </summary>
    public static string AlertLinkTitle(AlertLink link) =>
        $"Alert link: {Plain(link.Title, 30)} ({new Uri(link.Url).IdnHost})";

    /// <summary>
    /// Text for a card: never HTML (a TextBlock does not render it) and never a Markdown link — "[x](url)" is broken
    /// up, so text from an alert cannot dress a link up as something else. Bare URLs stay visible as written.
    /// </summary>
    public static string Plain(string text, int max)
    {
        var cut = text.Length <= max ? text : text[..max] + "…";
        return cut.Replace("](", "] (", StringComparison.Ordinal);
    }

    /// <summary>
    /// A threaded reply for one timeline entry. With <paramref name="mention"/> it @mentions the owner, or
    /// the on-call person (<paramref name="onCall"/>) while nobody owns the incident; a person who cannot be
    /// resolved is named in plain text.
    /// </summary>
    public ChatMessage Reply(IncidentRecord incident, TeamsReplyPayload entry, bool mention, string? onCall = null)
    {
        TeamsPerson? person = null;
        string? whoHtml = null;
        if (mention && incident.Owner is not null)
        {
            person = routing.Resolve(incident.Owner);
            whoHtml = person is null ? $"Owner: {E(incident.Owner)}" : At(person);
        }
        else if (mention && !string.IsNullOrWhiteSpace(onCall))
        {
            person = routing.Resolve(onCall);
            whoHtml = $"On call: {(person is null ? E(onCall) : At(person))}";
        }
        var html = new StringBuilder();
        html.Append($"<p><b>{E(KindLabel(entry.Kind))}</b> · {E(entry.At.ToUniversalTime().ToString("yyyy-MM-dd HH:mm"))} UTC · {E(entry.Actor)}</p>");
        html.Append($"<p>{Linkify(entry.Text)}</p>");
        if (whoHtml is not null) html.Append($"<p>{whoHtml}</p>");
        return Message(null, html.ToString(), person);
    }

    /// <summary>A fingerprint of what a message shows: equal fingerprints need no PATCH.</summary>
    public static string Fingerprint(ChatMessage message)
    {
        var text = $"{message.Subject}\n{message.Body?.Content}\n{CardJson(message)}\n{string.Join(',', message.Mentions?.Select(m => m.Mentioned?.User?.Id) ?? [])}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))[..12]);
    }

    public static string KindLabel(string kind) => kind switch
    {
        TimelineKinds.Acknowledged => "Acknowledged",
        TimelineKinds.StatusUpdate => "Status update",
        TimelineKinds.Mitigated => "Mitigated",
        TimelineKinds.Resolved => "Resolved",
        TimelineKinds.Closed => "Closed",
        TimelineKinds.Reopened => "Reopened",
        TimelineKinds.SeverityRaised => "Severity raised",
        TimelineKinds.Opened => "Opened",
        TimelineKinds.ImpactSnapshot => "Impact snapshot",
        TimelineKinds.RcaReminder => "RCA reminder",
        TimelineKinds.RcaEscalated => "RCA escalated",
        TimelineKinds.Postmortem => "Postmortem",
        TimelineKinds.StatusOverdue => "Status update overdue",
        _ => kind.Length == 0 ? "Update" : char.ToUpperInvariant(kind[0]) + kind[1..].Replace('-', ' '),
    };

    private static string Label(IncidentStatus status) => status.ToString();

    private static ChatMessage Message(string? subject, string html, TeamsPerson? mention) => new()
    {
        Subject = AutoResponder.Graph.SubjectLine.Clean(subject),
        Body = new ItemBody { ContentType = BodyType.Html, Content = html },
        Mentions = mention is null ? null :
        [
            new ChatMessageMention
            {
                Id = 0,
                MentionText = mention.DisplayName,
                Mentioned = new ChatMessageMentionedIdentitySet
                {
                    User = new TeamworkUserIdentity { Id = mention.UserId, DisplayName = mention.DisplayName, UserIdentityType = TeamworkUserIdentityType.AadUser },
                },
            },
        ],
    };

    private static void Field(StringBuilder html, string name, string valueHtml)
        => html.Append($"<b>{name}:</b> {valueHtml}<br>");

    private static string At(TeamsPerson person) => $"<at id=\"0\">{E(person.DisplayName)}</at>";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Encodes text and turns http(s) URLs in it into links.</summary>
    public static string Linkify(string text)
    {
        var html = new StringBuilder();
        var last = 0;
        foreach (Match m in UrlPattern().Matches(text))
        {
            var url = m.Value.TrimEnd('.', ',', ';', ':', ')', '!', '?');
            html.Append(E(text[last..m.Index])).Append($"<a href=\"{E(url)}\">{E(url)}</a>");
            last = m.Index + url.Length;
        }
        return html.Append(E(text[last..])).ToString();
    }

    private static List<AlertLink> ReadLinks(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            return (JsonSerializer.Deserialize<List<AlertLink>>(json, JsonSerializerOptions.Web) ?? [])
                .Where(l => Uri.TryCreate(l.Url, UriKind.Absolute, out var u)
                    && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp))
                .ToList();
        }
        catch (JsonException) { return []; }
    }

    [GeneratedRegex(@"https?://[^\s<>""']+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();
}
