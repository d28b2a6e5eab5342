using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AutoResponder.Alerts;
using AutoResponder.Incidents;
using Microsoft.Graph.Models;

namespace AutoResponder.Teams;

/// <summary>A timeline entry as a Teams reply sees it (the outbox payload of "teams.reply").</summary>
public sealed record TeamsReplyPayload(string Entry, string Kind, string Text, string Actor, DateTimeOffset At);

/// <summary>
/// Builds the Teams messages as HTML chatMessages: the root post (one living card per incident, edited in
/// place) and the threaded replies. Text is HTML-encoded, URLs in it become links, and a mention is
/// <c>&lt;at id="0"&gt;Name&lt;/at&gt;</c> in the body plus a matching <c>mentions</c> entry.
/// </summary>
public sealed partial class TeamsMessageRenderer(TeamsRouting routing)
{
    public ChatMessage Root(IncidentRecord incident, TeamsTarget target, string? impact)
    {
        var mention = routing.Resolve(incident.Owner) ?? (incident.Owner is null ? routing.Resolve(target.OnCall) : null);
        var html = new StringBuilder();
        html.Append($"<h2>[{E(incident.SeverityName)}] {E(incident.Title)}</h2>");
        html.Append("<p>");
        Field(html, "Status", E(Label(incident.Status)));
        Field(html, "Severity", E(incident.SeverityName));
        var owner = incident.Owner is null
            ? "not assigned" + (target.OnCall is null ? "" : $" (on call: {(mention is null ? E(target.OnCall) : At(mention))})")
            : mention is null ? E(incident.Owner) : At(mention);
        Field(html, "Owner", owner);
        if (incident.Service is not null) Field(html, "Service", E(incident.Service));
        Field(html, "Impact", string.IsNullOrWhiteSpace(impact) ? "being assessed" : Linkify(impact));
        if (!string.IsNullOrWhiteSpace(incident.StatusText)) Field(html, "Latest", Linkify(incident.StatusText));
        Field(html, "ETA", incident.Eta is { } eta ? E($"{eta.ToUniversalTime():yyyy-MM-dd HH:mm} UTC") : "not yet known");
        Field(html, "Next steps", string.IsNullOrWhiteSpace(incident.NextSteps) ? "to be decided" : Linkify(incident.NextSteps));
        html.Length -= "<br>".Length;
        html.Append("</p>");

        var links = ReadLinks(incident.LinksJson);
        if (links.Count > 0)
            html.Append("<p><b>Links:</b> ").AppendJoin(" · ", links.Select(l => $"<a href=\"{E(l.Url)}\">{E(l.Title)}</a>")).Append("</p>");
        html.Append($"<p><i>Incident {E(incident.Id)} · opened {incident.OpenedAt.ToUniversalTime():yyyy-MM-dd HH:mm} UTC · {incident.AlertCount} alert(s). " +
                    "This post is kept up to date; the thread below is the timeline.</i></p>");
        return Message($"[{incident.SeverityName}] [{Label(incident.Status)}] {incident.Title}", html.ToString(), mention);
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
        var text = $"{message.Subject}\n{message.Body?.Content}\n{string.Join(',', message.Mentions?.Select(m => m.Mentioned?.User?.Id) ?? [])}";
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

    private static void Field(StringBuilder html, string name, string valueHtml) => html.Append($"<b>{name}:</b> {valueHtml}<br>");

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
                .Where(l => Uri.TryCreate(l.Url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp))
                .ToList();
        }
        catch (JsonException) { return []; }
    }

    [GeneratedRegex(@"https?://[^\s<>""']+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();
}
