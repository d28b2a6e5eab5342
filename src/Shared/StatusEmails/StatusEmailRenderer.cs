using System.Globalization;
using System.Net;
using System.Text;
using AutoResponder.Incidents;

namespace AutoResponder.StatusEmails;

internal enum StatusEmailKind { Opened, Update, Final }

/// <summary>Everything a status email shows.</summary>
internal sealed record StatusEmailModel(
    IncidentRecord Incident,
    StatusEmailKind Kind,
    int Number,
    DateTimeOffset Now,
    TimeSpan Cadence,
    IReadOnlyList<KeyValuePair<string, string>> Impact,
    IReadOnlyList<TimelineEntry> Changes,
    DateTimeOffset? ChangesSince,
    int EarlierChanges = 0,
    IReadOnlyList<string>? Notices = null,
    string? ConsoleUrl = null,
    IReadOnlyList<SuspectLine>? Suspects = null);

internal sealed record RenderedEmail(string Subject, string Html, string Text);

/// <summary>
/// Renders a status email as HTML plus a plain-text alternative with the same fields: status, severity,
/// duration, owner, impact, latest update, next steps, ETA (with an "ETA passed without an update" flag),
/// and what changed since the previous email.
/// </summary>
internal static class StatusEmailRenderer
{
    public const string NotAnalysed = "not yet analysed";
    /// <summary>Most timeline entries listed under "What changed" (the latest ones; the rest are counted).</summary>
    public const int MaxChanges = 25;
    public const string EtaPassedFlag = "ETA passed without an update";

    public static bool EtaPassed(IncidentRecord i, DateTimeOffset now) =>
        i.Eta is { } eta && eta < now && i.Status.IsLive() && (i.StatusUpdatedAt is null || i.StatusUpdatedAt < eta);

    /// <summary>How long no human status update arrived, when that is longer than the cadence.</summary>
    public static TimeSpan? UpdateOverdue(IncidentRecord i, DateTimeOffset now, TimeSpan cadence)
    {
        var last = i.StatusUpdatedAt ?? i.OpenedAt;
        return i.Status.IsLive() && now - last >= cadence ? now - last : null;
    }

    public static RenderedEmail Render(StatusEmailModel m)
    {
        var i = m.Incident;
        var heading = m.Kind switch
        {
            StatusEmailKind.Opened => "Incident opened",
            StatusEmailKind.Final => "Incident resolved — final update",
            _ => $"Status update #{m.Number}",
        };
        var subject = $"[{i.SeverityName}] [{i.Status.ToApi()}] {i.Id}: {i.Title} — {heading}";
        var fields = new List<(string Label, string Value)>
        {
            ("Status", i.Status.ToApi()),
            ("Severity", i.SeverityName),
            ("Duration", Duration((i.ResolvedAt ?? m.Now) - i.OpenedAt) + (i.ResolvedAt is null ? " (ongoing)" : "")),
            ("Opened", Time(i.OpenedAt)),
            ("Owner", i.Owner ?? "unassigned"),
            ("Service", i.Service ?? "—"),
            ("Latest update", i.StatusText is null
                ? "No status update yet."
                : $"{i.StatusText} ({(i.StatusUpdatedAt is { } at ? Time(at) : "time unknown")})"),
            ("Next steps", i.NextSteps ?? "not stated"),
            ("ETA", i.Eta is { } eta ? Time(eta) : "not set"),
        };
        var etaPassed = EtaPassed(i, m.Now);
        var overdue = UpdateOverdue(i, m.Now, m.Cadence);
        // e.g. "Switch still on: maintenance-banner on since 18:05 UTC"
        var warnings = new List<string>(m.Notices ?? []);
        if (etaPassed) warnings.Add(
            $"{EtaPassedFlag}: the ETA {Time(i.Eta!.Value)} has passed and no status update arrived since.");
        if (overdue is { } late && m.Kind != StatusEmailKind.Final)
            warnings.Add($"No status update for {Duration(late)} (expected every {Duration(m.Cadence)} for " +
                $"{i.SeverityName}).");

        var since = m.ChangesSince is { } s ? $"since the last email ({Time(s)})" : "since the incident opened";
        return new RenderedEmail(subject, Html(m, heading, fields, warnings, since),
            Text(m, heading, fields, warnings, since));
    }

    private static string Html(StatusEmailModel m, string heading, List<(string Label, string Value)> fields,
        List<string> warnings, string since)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var i = m.Incident;
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\">");
        b.Append($"<h2>{E(i.Id)}: {E(i.Title)}</h2><p><strong>{E(heading)}</strong></p>");
        if (m.ConsoleUrl is { } url) b.Append($"<p><a href=\"{E(url)}\">Open the incident page</a></p>");
        foreach (var w in warnings)
            b.Append($"<p style=\"background:#fde7e9;border-left:4px solid #d13438;padding:6px\"><strong>⚠ {E(w)}</strong></p>");
        b.Append("<table style=\"border-collapse:collapse\">");
        foreach (var (label, value) in fields)
            b.Append($"<tr><th style=\"text-align:left;padding:2px 12px 2px 0\">{E(label)}</th><td>{E(value)}</td></tr>");
        b.Append("</table><h3>Impact</h3>");
        if (m.Impact.Count == 0) b.Append($"<p>{E(NotAnalysed)}</p>");
        else
        {
            b.Append("<table style=\"border-collapse:collapse\">");
            foreach (var (label, value) in m.Impact)
                b.Append($"<tr><th style=\"text-align:left;padding:2px 12px 2px 0\">{E(label)}</th><td>{E(value)}</td></tr>");
            b.Append("</table>");
        }
        if (m.Suspects is { Count: > 0 } suspects)
        {
            b.Append("<h3>Recent changes (suspects)</h3><ul>");
            foreach (var c in suspects)
                b.Append(c.Link is { } link
                    ? $"<li><a href=\"{E(link)}\">{E(c.Describe())}</a></li>" : $"<li>{E(c.Describe())}</li>");
            b.Append("</ul>");
        }
        b.Append($"<h3>What changed {E(since)}</h3>");
        if (m.Changes.Count == 0) b.Append("<p>No changes.</p>");
        else
        {
            b.Append("<ul>");
            if (m.EarlierChanges > 0)
                b.Append($"<li><em>{m.EarlierChanges} earlier entries omitted; see the incident timeline.</em></li>");
            foreach (var c in m.Changes)
                b.Append($"<li>{E(Time(c.At))} — {E(c.Kind)} — {E(c.Text)} <em>({E(c.Actor)})</em></li>");
            b.Append("</ul>");
        }
        b.Append("<p style=\"color:#666\">Sent by AutoResponder. Reply in the incident's Teams thread, or post a " +
            "status update on the incident page.</p></body></html>");
        return b.ToString();
    }

    private static string Text(StatusEmailModel m, string heading, List<(string Label, string Value)> fields,
        List<string> warnings, string since)
    {
        var i = m.Incident;
        var b = new StringBuilder();
        b.AppendLine($"{i.Id}: {i.Title}").AppendLine(heading);
        if (m.ConsoleUrl is { } url) b.AppendLine($"Incident page: {url}");
        b.AppendLine();
        foreach (var w in warnings) b.AppendLine($"!! {w}");
        if (warnings.Count > 0) b.AppendLine();
        foreach (var (label, value) in fields) b.AppendLine($"{label}: {value}");
        b.AppendLine().AppendLine("Impact:");
        if (m.Impact.Count == 0) b.AppendLine($"  {NotAnalysed}");
        foreach (var (label, value) in m.Impact) b.AppendLine($"  {label}: {value}");
        if (m.Suspects is { Count: > 0 } suspects)
        {
            b.AppendLine().AppendLine("Recent changes (suspects):");
            foreach (var c in suspects) b.AppendLine($"  - {c.Describe()}{(c.Link is null ? "" : $" {c.Link}")}");
        }
        b.AppendLine().AppendLine($"What changed {since}:");
        if (m.Changes.Count == 0) b.AppendLine("  No changes.");
        if (m.EarlierChanges > 0)
            b.AppendLine($"  - {m.EarlierChanges} earlier entries omitted; see the incident timeline.");
        foreach (var c in m.Changes) b.AppendLine($"  - {Time(c.At)} — {c.Kind} — {c.Text} ({c.Actor})");
        return b.ToString();
    }

    public static string Time(DateTimeOffset at)
        => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalDays >= 1) return $"{(int)d.TotalDays}d {d.Hours}h {d.Minutes}m";
        return d.TotalHours >= 1 ? $"{(int)d.TotalHours}h {d.Minutes}m" : $"{(int)d.TotalMinutes}m";
    }
}
