using System.Globalization;
using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Resources;
using AutoResponder.Links;
using AutoResponder.Reminders;
using AutoResponder.Teams;

namespace AutoResponder.WebConsole;

/// <summary>
/// The console's HTML: a layout, the incident list (and the rows fragment it polls), the incident page and the
/// sign-in page. Plain server-rendered markup; every value is encoded by <see cref="Html"/>. Labelled controls,
/// native buttons and links (keyboard usable), one column on a phone.
/// </summary>
public static class ConsolePages
{
    public const string CsrfField = "_csrf";
    private static readonly IncidentStatus[] Statuses = Enum.GetValues<IncidentStatus>();

    public static string Layout(string title, ConsoleUser? user, string? csrf, Action<Html> body,
        string? pageScript = null, IReadOnlyList<SetupFinding>? toFix = null)
    {
        var h = new Html();
        h.Raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
         .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
         .Raw("<title>").Text(title).Raw(" · AutoResponder</title>")
         .Raw("<link rel=\"stylesheet\" href=\"").Attr(ConsoleRoutes.Asset("console.css")).Raw("\">")
         .Raw("<script src=\"").Attr(ConsoleRoutes.Asset("console.js")).Raw("\" defer></script>")
         .Raw("</head><body>");
        h.Raw("<header class=\"top\"><a class=\"brand\" href=\"").Attr(ConsoleRoutes.List).Raw("\">AutoResponder</a>");
        if (user is not null) h.Raw(" <a id=\"oncall-link\" href=\"").Attr(ConsoleRoutes.OnCall).Raw("\">On call</a>");
        if (user is not null)
        {
            h.Raw(" <a href=\"").Attr(ConsoleRoutes.MyActionItems).Raw("\">My action items</a> ");
            h.Raw("<span class=\"who\">").Text(user.Name).Raw(" <span class=\"muted\" id=\"roles\">(")
             .Text(user.Caller.Roles.Count == 0 ? "no role" : string.Join(", ", user.Caller.Roles))
             .Raw(")</span></span>");
            if (csrf is not null)
                h.Raw("<form method=\"post\" action=\"").Attr(ConsoleRoutes.SignOut).Raw("\" class=\"inline\">")
                 .Raw(Csrf(csrf))
                 .Raw("<button type=\"submit\" class=\"link\">Sign out</button></form>");
        }
        h.Raw("</header><main id=\"main\">");
        if (user is not null) SetupBanner(h, toFix ?? []);
        if (user?.TokenExpiresSoonAt is { } expires)
            h.Raw("<p class=\"error\" role=\"status\" id=\"token-expiring\">Your access token expires on ")
             .Text($"{expires:yyyy-MM-dd HH:mm} UTC")
             .Raw(". Ask an admin for a new one (<code>autoresponder tokens create</code>) before then.</p>");
        body(h);
        h.Raw("</main></body></html>");
        return h.ToString();
    }

    /// <summary>
    /// What to fix in the settings (the same findings as <c>GET /api/health</c>'s <c>toFix</c>): the responder runs and
    /// takes alerts, and what a missing or broken optional integration would do waits until the setting is fixed.
    /// </summary>
    private static void SetupBanner(Html h, IReadOnlyList<SetupFinding> toFix)
    {
        if (toFix.Count == 0) return;
        h.Raw("<section class=\"setup\" id=\"to-fix\" role=\"status\" aria-labelledby=\"to-fix-title\">" +
            "<h2 id=\"to-fix-title\">Settings to fix</h2>")
         .Raw("<p>AutoResponder is running and taking alerts. Until these are fixed (then restart the app), what " +
             "they would do waits:</p><ul>");
        foreach (var f in toFix)
        {
            h.Raw("<li><b>").Text(f.Area).Raw("</b>");
            if (f.Setting.Length > 0) h.Raw(" <code>").Text(f.Setting).Raw("</code>");
            h.Raw(": ").Text(f.Problem).Raw(" <span class=\"muted\">Until then: ").Text(f.Effect).Raw(".</span></li>");
        }
        h.Raw("</ul></section>");
    }

    // ---- list ----

    public static string List(ListQuery query, IncidentList page, ConsoleUser user, string? csrf, DateTimeOffset now,
        IReadOnlyList<SetupFinding>? toFix = null)
    {
        return Layout("Incidents", user, csrf, toFix: toFix, body: h =>
        {
            h.Raw("<h1>Incidents</h1>");
            h.Raw("<form class=\"filters\" method=\"get\" action=\"").Attr(ConsoleRoutes.List)
                .Raw("\" role=\"search\">");
            h.Raw("<div class=\"field\"><label for=\"f-status\">Status</label>" +
                "<select id=\"f-status\" name=\"status\">");
            var statuses = query.Filter.Statuses;
            Option(h, "", "Not closed", statuses.Count == 0);
            foreach (var s in Statuses) Option(h, s.ToApi(), s.ToString(), statuses.Count == 1 && statuses.Contains(s));
            h.Raw("</select></div>");
            h.Raw("<div class=\"field\"><label for=\"f-severity\">Severity</label>" +
                "<select id=\"f-severity\" name=\"severity\">");
            var severities = query.Filter.Severities;
            Option(h, "", "Any", severities.Count == 0);
            foreach (var s in Enum.GetValues<Severity>())
                Option(h, s.ToString(), s.ToString(), severities.Count == 1 && severities.Contains(s));
            h.Raw("</select></div>");
            h.Raw("<div class=\"field\"><label for=\"f-service\">Service</label>" +
                "<input id=\"f-service\" name=\"service\" value=\"").Attr(query.Filter.Service)
             .Raw("\" autocomplete=\"off\"></div>");
            h.Raw("<div class=\"field\"><button type=\"submit\">Filter</button></div></form>");

            h.Raw("<p class=\"live\" aria-live=\"polite\"><span id=\"updated\">Updates automatically.</span></p>");
            h.Raw("<div id=\"incident-rows\" data-poll=\"")
                .Attr(ConsoleRoutes.Rows + ConsoleRoutes.Query(query.Filter, query.Cursor)).Raw("\">");
            Rows(h, query, page, now);
            h.Raw("</div>");
        });
    }

    /// <summary>The list's table and pager: the whole page renders it, and the page polls it to stay current.</summary>
    public static string RowsFragment(ListQuery query, IncidentList page, DateTimeOffset now)
    {
        var h = new Html();
        Rows(h, query, page, now);
        return h.ToString();
    }

    private static void Rows(Html h, ListQuery query, IncidentList page, DateTimeOffset now)
    {
        if (page.Incidents.Count == 0)
            h.Raw("<p class=\"empty\">No incidents match.</p>");
        else
        {
            h.Raw("<table class=\"incidents\"><caption class=\"sr\">Incidents, newest first</caption><thead><tr>")
             .Raw("<th scope=\"col\">Incident</th><th scope=\"col\">Severity</th><th scope=\"col\">Status</th>" +
                 "<th scope=\"col\">Service</th>")
             .Raw("<th scope=\"col\">Owner</th><th scope=\"col\">Opened</th></tr></thead><tbody>");
            foreach (var r in page.Incidents)
            {
                var status = StatusLabel(r.Status);
                h.Raw("<tr data-id=\"").Attr(r.Id).Raw("\"><td class=\"title\"><a href=\"")
                 .Attr(ConsoleRoutes.Incident(r.Id)).Raw("\">").Text(r.Title)
                 .Raw("</a><span class=\"id\">").Text(r.Id).Raw("</span></td>")
                 .Raw("<td data-label=\"Severity\"><span class=\"sev sev-").Attr(r.Severity.ToLowerInvariant())
                 .Raw("\">").Text(r.Severity).Raw("</span></td>")
                 .Raw("<td data-label=\"Status\"><span class=\"status st-").Attr(r.Status).Raw("\">").Text(status)
                 .Raw("</span></td>")
                 .Raw("<td data-label=\"Service\">").Text(r.Service ?? "—").Raw("</td>")
                 .Raw("<td data-label=\"Owner\">").Text(r.Owner ?? "unassigned").Raw("</td>")
                 .Raw("<td data-label=\"Opened\"><time datetime=\"").Attr(Html.IsoTime(r.OpenedAt)).Raw("\">")
                 .Text(Html.Time(r.OpenedAt))
                 .Raw("</time> <span class=\"ago\">(").Text(Html.Duration(now - r.OpenedAt))
                 .Raw(" ago)</span></td></tr>");
            }
            h.Raw("</tbody></table>");
        }
        h.Raw("<nav class=\"pager\" aria-label=\"Pages\">");
        if (query.Cursor is not null)
            h.Raw("<a href=\"").Attr(ConsoleRoutes.List + ConsoleRoutes.Query(query.Filter, null))
                .Raw("\">← Newest</a>");
        if (page.NextCursor is { } next)
            h.Raw("<a rel=\"next\" href=\"").Attr(ConsoleRoutes.List + ConsoleRoutes.Query(query.Filter, next))
                .Raw("\">Older →</a>");
        h.Raw("</nav>");
    }

    // ---- incident ----

    public static string Incident(IncidentView v, ConsoleUser user, string? csrf, DateTimeOffset now, string? error,
        IReadOnlyList<SetupFinding>? toFix = null)
    {
        var i = v.Incident;
        return Layout($"{i.Id} {i.Title}", user, csrf, toFix: toFix, body: h =>
        {
            h.Raw("<p class=\"crumbs\"><a href=\"").Attr(ConsoleRoutes.List).Raw("\">← Incidents</a></p>");
            h.Raw("<h1><span class=\"sev sev-").Attr(i.Severity.ToLowerInvariant()).Raw("\">").Text(i.Severity)
             .Raw("</span> ")
             .Raw("<span id=\"incident-title\">").Text(i.Title).Raw("</span></h1>");
            if (error is not null) h.Raw("<p class=\"error\" role=\"alert\">").Text(error).Raw("</p>");

            Summary(h, v, now);
            if (user.May(ConsoleRight.Act)) Actions(h, v, user, csrf);
            Impact(h, v, user, csrf);
            Suspects(h, v);
            Communication(h, v);
            Rca(h, v, user, csrf);
            ActionItemsSection(h, v, user, csrf, now);
            Timeline(h, v);
            Alerts(h, v);
        });
    }

    private static void Summary(Html h, IncidentView v, DateTimeOffset now)
    {
        var i = v.Incident;
        var live = v.Status.IsLive();
        var end = live ? now : i.ResolvedAt ?? i.ClosedAt ?? now;
        h.Raw("<section aria-labelledby=\"s-summary\"><h2 id=\"s-summary\">Summary</h2><dl class=\"facts\">");
        Fact(h, "Incident", i.Id);
        h.Raw("<dt>Status</dt><dd><span id=\"incident-status\" class=\"status st-").Attr(i.Status).Raw("\">")
            .Text(StatusLabel(i.Status)).Raw("</span></dd>");
        Fact(h, "Severity", i.Severity);
        Fact(h, "Owner", i.Owner ?? "unassigned");
        Fact(h, "Service", i.Service ?? "—");
        Fact(h, "Opened", Html.Time(i.OpenedAt));
        Fact(h, live ? "Duration" : "Lasted", Html.Duration(end - i.OpenedAt));
        h.Raw("<dt>ETA</dt><dd id=\"incident-eta\">");
        if (i.StatusUpdate?.Eta is { } eta)
        {
            h.Text(Html.Time(eta));
            if (eta < now && live) h.Raw(" <span class=\"flag\">ETA passed</span>");
        }
        else h.Raw("not yet known");
        h.Raw("</dd>");
        Fact(h, "Latest status",
            i.StatusUpdate?.Text is { } text ? $"{text} ({i.StatusUpdate.By}, {Html.Time(i.StatusUpdate.At)})" : "—");
        Fact(h, "Next steps", i.StatusUpdate?.NextSteps ?? "to be decided");
        Fact(h, "Alerts", $"{i.AlertCounts.Firing} firing, {i.AlertCounts.Resolved} resolved");
        h.Raw("<dt>Teams</dt><dd>");
        if (i.Teams?.WebUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var u)
            && u.Scheme == Uri.UriSchemeHttps)
            h.Raw("<a href=\"").Attr(url).Raw("\" rel=\"noopener\">Open the Teams thread</a>");
        else if (i.Teams is { InStormDigest: true })
            h.Raw("listed in the channel's storm digest; its own thread once acknowledged or escalated");
        else if (i.Teams is not null) h.Raw("posted (no Teams link)");
        else h.Raw("no thread yet");
        h.Raw("</dd></dl></section>");
    }

    private static void Actions(Html h, IncidentView v, ConsoleUser user, string? csrf)
    {
        var i = v.Incident;
        var id = i.Id;
        var status = v.Status;
        h.Raw("<section aria-labelledby=\"s-act\"><h2 id=\"s-act\">Act</h2>");
        if (status is IncidentStatus.Open or IncidentStatus.Acknowledged)
        {
            h.Raw("<form method=\"post\" class=\"row\" id=\"acknowledge\" action=\"")
             .Attr(ConsoleRoutes.Action(id, "acknowledge")).Raw("\">").Raw(Csrf(csrf))
             .Raw("<div class=\"field\"><label for=\"ack-owner\">Owner</label><input id=\"ack-owner\" name=\"owner\" " +
                 "required maxlength=\"200\" value=\"")
             .Attr(i.Owner ?? user.Name)
             .Raw("\"></div><div class=\"field\"><button type=\"submit\" name=\"do\" value=\"acknowledge\">")
             .Raw(status == IncidentStatus.Open ? "Acknowledge" : "Hand over").Raw("</button></div></form>");
        }
        var buttons = new List<(string Action, string Label)>();
        if (status is IncidentStatus.Open or IncidentStatus.Acknowledged) buttons.Add(("mitigate", "Mitigate"));
        if (status.IsLive()) buttons.Add(("resolve", "Resolve"));
        if (status == IncidentStatus.Resolved) buttons.Add(("close", "Close"));
        foreach (var (action, label) in buttons)
            h.Raw("<form method=\"post\" class=\"inline\" action=\"").Attr(ConsoleRoutes.Action(id, action)).Raw("\">")
             .Raw(Csrf(csrf))
             .Raw("<button type=\"submit\" name=\"do\" value=\"").Attr(action).Raw("\">").Text(label)
             .Raw("</button></form>");

        if (status.IsLive())
        {
            h.Raw("<form method=\"post\" class=\"stack\" id=\"status-update\" action=\"")
             .Attr(ConsoleRoutes.Action(id, "status")).Raw("\">").Raw(Csrf(csrf))
             .Raw("<h3>Post a status update</h3>")
             .Raw("<div class=\"field\"><label for=\"st-text\">Status</label><textarea id=\"st-text\" name=\"text\" " +
                 "required maxlength=\"4000\" rows=\"3\"></textarea></div>")
             .Raw("<div class=\"field\"><label for=\"st-next\">Next steps</label>" +
                 "<textarea id=\"st-next\" name=\"nextSteps\" maxlength=\"4000\" rows=\"2\"></textarea></div>")
             .Raw("<div class=\"field\"><label for=\"st-eta\">ETA (UTC)</label><input id=\"st-eta\" name=\"eta\" " +
                 "type=\"datetime-local\"></div>")
             .Raw("<div class=\"field\"><button type=\"submit\" name=\"do\" value=\"status\">Post update</button></div></form>");
        }
        Responders(h, v, csrf);
        h.Raw("</section>");
    }

    /// <summary>Who was paged by the escalation, the responders asked for, and the "Add responder" form.</summary>
    private static void Responders(Html h, IncidentView v, string? csrf)
    {
        var i = v.Incident;
        if (i.Escalation is { } e)
            h.Raw("<p id=\"escalation\">Escalation <b>").Text(e.Policy).Raw("</b>: level ")
             .Text(e.Level.ToString(CultureInfo.InvariantCulture))
             .Raw(" paged ").Text(Html.Time(e.LastPagedAt)).Raw(" · paged ").Text(string.Join(", ", e.Paged))
             .Raw(e.StoppedAt is null ? "" : " · stopped: ").Text(e.StoppedAt is null ? "" : e.StopReason).Raw("</p>");
        if (i.Responders.Count > 0)
        {
            h.Raw("<ul id=\"responders\">");
            foreach (var r in i.Responders)
                h.Raw("<li>").Text(r.Person).Raw(" — asked by ").Text(r.RequestedBy).Raw(" ")
                 .Text(Html.Time(r.RequestedAt))
                 .Raw(r.AcknowledgedAt is null
                     ? (r.PagedAt is null ? " · page pending" : " · paged") : " · <b>acknowledged</b>").Raw("</li>");
            h.Raw("</ul>");
        }
        if (!v.Status.IsLive()) return;
        h.Raw("<form method=\"post\" class=\"row\" id=\"add-responder\" action=\"")
         .Attr(ConsoleRoutes.Action(i.Id, "responder")).Raw("\">").Raw(Csrf(csrf))
         .Raw("<div class=\"field\"><label for=\"rs-person\">Add responder (address or schedule)</label>" +
             "<input id=\"rs-person\" name=\"person\" required maxlength=\"200\"></div>")
         .Raw("<div class=\"field\"><label for=\"rs-message\">Message</label>" +
             "<input id=\"rs-message\" name=\"message\" maxlength=\"1000\"></div>")
         .Raw("<div class=\"field\"><button type=\"submit\" name=\"do\" value=\"responder\">Page them</button></div></form>");
    }

    private static void Impact(Html h, IncidentView v, ConsoleUser user, string? csrf)
    {
        h.Raw("<section aria-labelledby=\"s-impact\"><h2 id=\"s-impact\">Impact</h2>");
        var impact = v.Impact;
        if (impact is null || impact.Configured.Count == 0)
        {
            h.Raw("<p>No impact rule is configured.</p></section>");
            return;
        }
        if (impact.Rules.Count == 0)
            h.Raw("<p>No impact rule applies to this incident; a responder may choose one below.</p>");
        // Which rules apply and why (the matcher that selected each, or the responder who chose it).
        h.Raw("<ul class=\"rules\" id=\"impact-rules\">");
        foreach (var r in impact.Applied)
            h.Raw("<li><strong>").Text(r.Name).Raw("</strong> <span class=\"muted\">(").Text(r.Kind).Raw(", ")
             .Text(MeasureLabel(r.MoneyAtRisk))
             .Raw(")</span> — ").Text(r.SelectedBy == "responder" ? r.Why : $"selected by {r.SelectedBy}: {r.Why}")
             .Raw("</li>");
        h.Raw("</ul>");
        if (impact.Correction is { } c)
            h.Raw("<p class=\"note\">Corrected by ").Text(c.By ?? "a responder")
                .Raw(c.At is { } at ? $" at {Html.Time(at)}" : "").Raw(".</p>");
        if (impact.Latest is { } s)
        {
            h.Raw("<dl class=\"facts\">");
            Fact(h, "Orders affected", s.Orders.ToString("N0", CultureInfo.InvariantCulture));
            Fact(h, "Customers", (s.CustomersApproximate ? "≈ " : "")
                + s.Customers.ToString("N0", CultureInfo.InvariantCulture));
            var measures = s.Applied.GroupBy(r => r.MoneyAtRisk)
                .Select(g => (Label: MoneyMeasures.FromApi(g.Key)?.Label() ?? g.Key,
                Amounts: g.SelectMany(r => r.Amounts)
                .GroupBy(a => a.Key).ToDictionary(a => a.Key, a => a.Sum(x => x.Value)))).ToList();
            if (measures.Count == 0)
                measures.Add(("Money at risk", s.MoneyAtRisk.ToDictionary(m => m.Key, m => m.Value)));
            foreach (var (label, amounts) in measures)
            {
                h.Raw("<dt>").Text(label).Raw("</dt><dd>");
                if (amounts.Count == 0) h.Raw("none");
                foreach (var (currency, amount) in amounts.OrderBy(m => m.Key, StringComparer.Ordinal))
                    h.Raw("<span class=\"money\">").Text(amount.ToString("N2", CultureInfo.InvariantCulture)).Raw(" ")
                        .Text(currency).Raw("</span> ");
                h.Raw("</dd>");
            }
            Fact(h, "Window", $"{Html.Time(s.Window.From)} – {(s.Window.Open ? "now" : Html.Time(s.Window.To))}");
            Fact(h, "Snapshot taken", Html.Time(s.TakenAt));
            if (s.Correction is { } sc)
                Fact(h, "Corrected", $"by {sc.By ?? "a responder"}"
                    + (sc.Supersedes is { } earlier
                    ? $"; supersedes snapshot {earlier}: {s.NewOrders.ToString("N0", CultureInfo.InvariantCulture)} " +
                        $"orders added, {s.NoLongerAffected.ToString("N0", CultureInfo.InvariantCulture)} removed"
                        : ""));
            h.Raw("</dl>");
        }
        else h.Raw("<p>No snapshot yet.</p>");
        if (impact.InProgress is { } lease) h.Raw("<p class=\"note\">A snapshot is ").Text(lease.State).Raw(".</p>");

        if (user.May(ConsoleRight.Act) && impact.InProgress is null)
            h.Raw("<form method=\"post\" class=\"inline\" action=\"")
             .Attr(ConsoleRoutes.Action(v.Incident.Id, "refresh")).Raw("\">").Raw(Csrf(csrf))
             .Raw("<button type=\"submit\" name=\"do\" value=\"refresh\">Refresh impact</button></form>");
        if (user.May(ConsoleRight.Act) && impact.InProgress is null && impact.Configured.Count > 0)
        {
            // Correct the rules: tick the ones that should apply; a corrected snapshot follows and operations get its
            // export.
            h.Raw("<form method=\"post\" class=\"stack\" id=\"impact-correct\" action=\"")
             .Attr(ConsoleRoutes.Action(v.Incident.Id, "rules")).Raw("\">").Raw(Csrf(csrf))
             .Raw("<h3>Correct the rules</h3><fieldset><legend>Rules that apply to this incident</legend>");
            foreach (var r in impact.Configured)
            {
                var on = impact.Rules.Contains(r.Name, StringComparer.OrdinalIgnoreCase);
                h.Raw("<label><input type=\"checkbox\" name=\"rule\" value=\"").Attr(r.Name)
                 .Raw(on ? "\" checked>" : "\">").Raw(" ")
                 .Text(r.Name).Raw(" <span class=\"muted\">(").Text(r.Kind).Raw(", ").Text(MeasureLabel(r.MoneyAtRisk))
                 .Raw(")</span></label>");
            }
            h.Raw("</fieldset><div class=\"field\"><button type=\"submit\" name=\"do\" value=\"rules\">Apply these " +
                "rules and take a new snapshot</button></div></form>");
        }

        if (impact.Snapshots.Count > 0)
        {
            h.Raw("<h3>Snapshot history</h3><div class=\"scroll\"><table class=\"compact\"><thead><tr>" +
                "<th scope=\"col\">#</th><th scope=\"col\">Taken</th>")
             .Raw("<th scope=\"col\">Trigger</th><th scope=\"col\">Orders</th><th scope=\"col\">New</th>" +
                 "<th scope=\"col\">Export</th></tr></thead><tbody>");
            foreach (var snap in impact.Snapshots)
            {
                h.Raw("<tr><td>").Text(snap.SnapshotId).Raw("</td><td>").Text(Html.Time(snap.TakenAt)).Raw("</td><td>")
                 .Text(snap.Trigger)
                 .Raw("</td><td>").Text(snap.Orders.ToString("N0", CultureInfo.InvariantCulture)).Raw("</td><td>")
                 .Text(snap.NewOrders.ToString("N0", CultureInfo.InvariantCulture)).Raw("</td><td>");
                if (user.May(ConsoleRight.Export))
                    h.Raw("<a class=\"export\" download href=\"").Attr(snap.Export.Download).Raw("\">CSV</a>");
                else h.Raw("<span class=\"muted\">ops or responder</span>");
                h.Raw("</td></tr>");
            }
            h.Raw("</tbody></table></div>");
        }
        h.Raw("</section>");
    }

    private static string MeasureLabel(string measure)
        => MoneyMeasures.FromApi(measure)?.Label().ToLowerInvariant() ?? measure;

    private static void Communication(Html h, IncidentView v)
    {
        var e = v.Incident.StatusEmails;
        h.Raw("<section aria-labelledby=\"s-comm\"><h2 id=\"s-comm\">Status emails</h2><dl class=\"facts\">");
        if (!v.StatusEmailsEnabled) Fact(h, "Status emails", "off in this deployment");
        else
        {
            Fact(h, "Cadence", $"every {Html.Duration(v.StatusEmailCadence)} ({v.Incident.Severity})");
            Fact(h, "Next due", e.NextDueAt is { } due ? Html.Time(due) : "none (incident not live)");
            Fact(h, "Last sent", e.LastSentAt is { } sent ? Html.Time(sent) : "none yet");
            Fact(h, "Sent", e.Sent.ToString(CultureInfo.InvariantCulture));
        }
        h.Raw("</dl></section>");
    }

    private static void Rca(Html h, IncidentView v, ConsoleUser user, string? csrf)
    {
        h.Raw("<section aria-labelledby=\"s-rca\"><h2 id=\"s-rca\">RCA</h2>");
        var p = v.Incident.Postmortem;
        h.Raw("<dl class=\"facts\">");
        h.Raw("<dt>Postmortem draft</dt><dd id=\"pm-draft\">");
        switch (p.State)
        {
            case "drafted": h.Raw("<a href=\"").Attr(PeopleLinks.PostmortemDraftPath(v.Incident.Id)).Raw("\">Download the draft</a> (Markdown)"); break;
            case "pending": h.Raw("being written"); break;
            case "completed": h.Raw("RCA complete"); break;
            default: h.Raw("written when the incident resolves"); break;
        }
        h.Raw("</dd>");
        h.Raw("<dt>RCA</dt><dd id=\"rca-state\">");
        if (p.Link is { } link && Uri.TryCreate(link, UriKind.Absolute, out var u)
            && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp))
            h.Raw("complete ").Text(Html.Time(p.CompletedAt)).Raw(" · <a href=\"").Attr(link)
                .Raw("\" rel=\"noopener\">postmortem</a>");
        else h.Raw("open");
        h.Raw("</dd></dl>");
        if (p.Reminders.Count > 0)
        {
            h.Raw("<ul class=\"reminders\">");
            foreach (var r in p.Reminders.OrderBy(r => r.DueAt))
                h.Raw("<li>").Text(ReminderKinds.Describe(r.Kind)).Raw(": ").Text(r.DueAt is { } d ? Html.Time(d) : "—")
                    .Raw(" <span class=\"muted\">(").Text(r.Status).Raw(")</span></li>");
            h.Raw("</ul>");
        }
        if (user.May(ConsoleRight.Act) && p.Link is null
            && v.Status is IncidentStatus.Resolved or IncidentStatus.Closed)
            h.Raw("<form method=\"post\" class=\"row\" action=\"")
             .Attr(ConsoleRoutes.Action(v.Incident.Id, "postmortem")).Raw("\">").Raw(Csrf(csrf))
             .Raw("<div class=\"field grow\"><label for=\"pm-link\">Postmortem link</label><input id=\"pm-link\" name=\"link\" type=\"url\" required maxlength=\"2000\" placeholder=\"https://\"></div>")
             .Raw("<div class=\"field\"><button type=\"submit\" name=\"do\" value=\"postmortem\">RCA " +
                 "complete</button></div></form>");
        h.Raw("</section>");
    }

    /// <summary>Changes to the service (and its dependencies) before the first alert, newest first.</summary>
    private static void Suspects(Html h, IncidentView v)
    {
        h.Raw("<section aria-labelledby=\"s-changes\"><h2 id=\"s-changes\">Recent changes (suspects)</h2>");
        if (v.Suspects is not { Count: > 0 } suspects)
        {
            h.Raw("<p class=\"muted\">No change of the service or its dependencies was recorded before the first " +
                "alert.</p></section>");
            return;
        }
        h.Raw("<ul id=\"suspects\" class=\"alerts\">");
        foreach (var c in suspects)
        {
            h.Raw("<li><time datetime=\"").Attr(Html.IsoTime(c.At)).Raw("\">").Text(Html.Time(c.At)).Raw("</time> <b>")
                .Text(c.Service).Raw("</b> ");
            if (c.Link is { } link) h.Raw("<a href=\"").Attr(link).Raw("\" rel=\"noopener noreferrer\">").Text(c.Text)
                .Raw("</a>");
            else h.Text(c.Text);
            h.Raw("</li>");
        }
        h.Raw("</ul></section>");
    }

    private static void ActionItemsSection(Html h, IncidentView v, ConsoleUser user, string? csrf, DateTimeOffset now)
    {
        h.Raw("<section id=\"action-items\" aria-labelledby=\"s-items\"><h2 id=\"s-items\">Action items</h2>");
        var items = v.ActionItems ?? [];
        if (items.Count == 0) h.Raw("<p class=\"muted\">No action items yet.</p>");
        else
        {
            h.Raw("<ul class=\"alerts\">");
            foreach (var item in items) ActionItemLine(h, item, user, csrf, now, showIncident: false);
            h.Raw("</ul>");
        }
        if (user.May(ConsoleRight.Act))
            h.Raw("<form method=\"post\" class=\"row\" action=\"")
             .Attr(ConsoleRoutes.Action(v.Incident.Id, "action-item")).Raw("\">").Raw(Csrf(csrf))
             .Raw("<div class=\"field grow\"><label for=\"ai-title\">Action</label>" +
                 "<input id=\"ai-title\" name=\"title\" required maxlength=\"300\"></div>")
             .Raw("<div class=\"field\"><label for=\"ai-owner\">Owner (e-mail)</label>" +
                 "<input id=\"ai-owner\" name=\"owner\" type=\"email\" required maxlength=\"254\"></div>")
             .Raw("<div class=\"field\"><label for=\"ai-due\">Due (UTC)</label><input id=\"ai-due\" name=\"dueAt\" " +
                 "type=\"datetime-local\" required></div>")
             .Raw("<div class=\"field\"><label for=\"ai-link\">Link</label><input id=\"ai-link\" name=\"link\" type=\"url\" maxlength=\"2000\" placeholder=\"https://\"></div>")
             .Raw("<div class=\"field\"><button type=\"submit\">Add action item</button></div></form>");
        h.Raw("</section>");
    }

    /// <summary>One action item; for responders, buttons to mark it done or drop it (with a reason).</summary>
    internal static void ActionItemLine(Html h, ActionItems.ActionItemRow item, ConsoleUser user, string? csrf,
        DateTimeOffset now, bool showIncident)
    {
        var overdue = item.Status == ActionItems.ActionItemKinds.Open && item.DueAt < now;
        h.Raw("<li data-item=\"").Attr(item.ItemId).Raw("\" data-status=\"").Attr(item.Status).Raw("\"><b>")
         .Text(item.Title).Raw("</b> <span class=\"muted\">")
         .Text($"{item.Owner} · due {Html.Time(item.DueAt)} · " +
             $"{item.Status}{(overdue ? " · OVERDUE" : "")}{(item.Reason is null ? "" : $" ({item.Reason})")}")
             .Raw("</span>");
        if (showIncident) h.Raw(" <a href=\"").Attr(ConsoleRoutes.Incident(item.IncidentId) + "#action-items")
            .Raw("\">").Text(item.IncidentId).Raw("</a>");
        if (item.Link is { } link) h.Raw(" <a href=\"").Attr(link).Raw("\" rel=\"noopener noreferrer\">link</a>");
        if (user.May(ConsoleRight.Act) && item.Status == ActionItems.ActionItemKinds.Open)
            h.Raw("<form method=\"post\" class=\"row\" action=\"")
             .Attr(ConsoleRoutes.Action(item.IncidentId, "action-item-status")).Raw("\">").Raw(Csrf(csrf))
             .Raw("<input type=\"hidden\" name=\"item\" value=\"").Attr(item.ItemId).Raw("\">")
             .Raw("<div class=\"field\"><button type=\"submit\" name=\"status\" value=\"done\">Done</button></div>")
             .Raw("<div class=\"field grow\"><input name=\"reason\" maxlength=\"1000\" " +
                 "placeholder=\"Reason to drop\" aria-label=\"Reason to drop\"></div>")
             .Raw("<div class=\"field\"><button type=\"submit\" name=\"status\" value=\"dropped\">Drop</button></div></form>");
        h.Raw("</li>");
    }

    /// <summary>"My action items": the signed-in person's items across incidents.</summary>
    public static string MyActionItems(IReadOnlyList<ActionItems.ActionItemRow> items, ConsoleUser user, string? csrf,
        DateTimeOffset now, IReadOnlyList<SetupFinding>? toFix = null) =>
        Layout("My action items", user, csrf, toFix: toFix, body: h =>
        {
            h.Raw("<p class=\"crumbs\"><a href=\"").Attr(ConsoleRoutes.List)
                .Raw("\">← Incidents</a></p><h1>My action items</h1>");
            h.Raw("<p class=\"muted\">").Text($"Owned by {user.Name}, open first, by due date.").Raw("</p>");
            if (items.Count == 0) h.Raw("<p class=\"muted\">Nothing assigned to you.</p>");
            else
            {
                h.Raw("<ul class=\"alerts\" id=\"my-action-items\">");
                foreach (var item in items) ActionItemLine(h, item, user, csrf, now, showIncident: true);
                h.Raw("</ul>");
            }
        });

    private static void Timeline(Html h, IncidentView v)
    {
        h.Raw("<section aria-labelledby=\"s-timeline\"><h2 id=\"s-timeline\">Timeline</h2>" +
            "<ol id=\"timeline\" class=\"timeline\">");
        foreach (var t in v.Timeline)
            h.Raw("<li data-kind=\"").Attr(t.Kind).Raw("\"><time datetime=\"").Attr(Html.IsoTime(t.At)).Raw("\">")
             .Text(Html.Time(t.At)).Raw("</time> ")
             .Raw("<b>").Text(TeamsMessageRenderer.KindLabel(t.Kind)).Raw("</b> <span class=\"muted actor\">")
             .Text(t.Actor).Raw("</span>")
             .Raw("<p>").Text(t.Text).Raw("</p></li>");
        h.Raw("</ol></section>");
    }

    private static void Alerts(Html h, IncidentView v)
    {
        h.Raw("<section aria-labelledby=\"s-alerts\"><h2 id=\"s-alerts\">Alerts</h2><ul class=\"alerts\">");
        foreach (var a in v.Alerts)
            h.Raw("<li><b>").Text(a.Title).Raw("</b> <span class=\"muted\">")
             .Text($"{a.Severity} · {a.Status} · {a.Source} · last seen {Html.Time(a.LastSeenAt)}")
             .Raw("</span></li>");
        h.Raw("</ul></section>");
    }

    // ---- sign-in ----

    /// <summary>
    /// The sign-in page: "Sign in with Microsoft" when <paramref name="withMicrosoft"/> (Entra ID configured), and the
    /// personal access token form.
    /// </summary>
    /// <summary>
    /// The sign-in page; the token form carries <paramref name="formToken"/> (none: the page offers "Start again" only
    /// through its links).
    /// </summary>
    public static string SignIn(string? error, string returnUrl, bool withMicrosoft, string? formToken)
    {
        return Layout("Sign in", null, null, h =>
        {
            h.Raw("<h1>Sign in</h1>");
            if (error is not null) h.Raw("<p class=\"error\" role=\"alert\">").Text(error).Raw("</p>");
            if (withMicrosoft)
                h.Raw("<p><a class=\"button\" id=\"sign-in-microsoft\" href=\"")
                 .Attr(ConsoleRoutes.SignInEntraAt(returnUrl)).Raw("\">Sign in with Microsoft</a></p>")
                 .Raw("<p class=\"muted\">Or with a personal access token:</p>");
            h.Raw("<form method=\"post\" class=\"stack narrow\" id=\"sign-in\" action=\"").Attr(ConsoleRoutes.SignIn)
             .Raw("\">")
             .Raw("<input type=\"hidden\" name=\"returnUrl\" value=\"").Attr(returnUrl).Raw("\">")
             .Raw("<input type=\"hidden\" name=\"").Attr(CsrfField).Raw("\" value=\"").Attr(formToken ?? "").Raw("\">")
             .Raw("<div class=\"field\"><label for=\"token\">Personal access token</label>")
             .Raw("<input id=\"token\" name=\"token\" type=\"password\" required maxlength=\"200\" " +
                 "autocomplete=\"off\" spellcheck=\"false\"></div>")
             .Raw("<p class=\"muted\">Ask an admin for one: <code>autoresponder tokens create --name you@example.com --role responder</code>. ")
             .Raw("Running the demo (<code>./scripts/run.sh</code>)? Yours is in <code>.azurite/demo-token</code>.</p>")
             .Raw("<div class=\"field\"><button type=\"submit\">Sign in</button></div></form>");
        });
    }

    /// <summary>Signed in to Microsoft, but holding no AutoResponder app role: no session.</summary>
    public static string NoRole(string name) =>
        Layout("No role", null, null, h =>
            h.Raw("<h1>No AutoResponder role</h1><p>Microsoft signed you in as <b>").Text(name)
            .Raw("</b>, but your account has no AutoResponder role (viewer, responder, ops or admin), so you are not " +
                "signed in to the console. ")
            .Raw("Ask an admin to assign you one in Entra ID (Enterprise applications → AutoResponder → Users and " +
                "groups), then <a href=\"")
            .Attr(ConsoleRoutes.SignIn).Raw("\">sign in again</a>.</p>"));

    /// <summary>
    /// After "Sign in with Microsoft": the session cookie is set on this page, which then moves on to
    /// <paramref name="returnUrl"/> itself. A redirect would not do: the browser arrived by a cross-site form post from
    /// Microsoft, and a SameSite=Strict cookie is not sent on a redirect that chain started; a navigation from this
    /// page is same-site.
    /// </summary>
    public static string SignedInContinue(string name, string returnUrl) =>
        Layout("Signed in", null, null, h =>
            h.Raw("<meta http-equiv=\"refresh\" content=\"0;url=").Attr(returnUrl).Raw("\">")
            .Raw("<h1>Signed in</h1><p>Signed in as <b>").Text(name).Raw("</b>. <a id=\"continue\" href=\"")
            .Attr(returnUrl).Raw("\">Continue</a></p>"));

    /// <summary>A fragment or form whose session has ended: a link to sign in again.</summary>
    public static string SignedOut(string signInUrl) =>
        Layout("Signed out", null, null, h =>
            h.Raw("<h1>Signed out</h1><p>Your console session has ended or was never started. <a " +
                "id=\"sign-in-again\" href=\"")
            .Attr(signInUrl).Raw("\">Sign in</a> and try again.</p>"));

    // ---- on call ----

    /// <summary>
    /// Per schedule: who is on call now and until when, who is next, and every shift of the next 14 days; then the
    /// policies.
    /// </summary>
    public static string OnCall(OnCall.OnCallOptions current, ConsoleUser user, string? csrf, DateTimeOffset now,
        IReadOnlyList<SetupFinding>? toFix = null) =>
        Layout("On call", user, csrf, h =>
        {
            h.Raw("<h1>On call</h1>");
            if (current.Schedules.Count == 0) h.Raw("<p id=\"no-schedules\">No schedules yet: declare them in settings or with <code>PUT /api/oncall/schedules/{name}</code> (docs/oncall.md).</p>");
            foreach (var settings in current.Schedules)
            {
                var shifts = settings.ToSchedule().Shifts(now, now + AutoResponder.OnCall.OnCallEndpoint.Horizon);
                h.Raw("<section class=\"schedule\" data-schedule=\"").Attr(settings.Name).Raw("\"><h2>")
                 .Text(settings.Name).Raw(" <span class=\"muted\">(")
                 .Text(settings.TimeZone).Raw(", ").Text(settings.Length.ToString().ToLowerInvariant())
                 .Raw(" hand-off at ").Text(settings.HandOff).Raw(")</span></h2>");
                h.Raw("<p class=\"now\">On call now: <b>").Text(shifts[0].Person).Raw("</b> until ")
                    .Text(Html.Time(shifts[0].To)).Raw("</p>");
                if (shifts.Count > 1) h.Raw("<p class=\"next\">Next: <b>").Text(shifts[1].Person).Raw("</b> from ")
                    .Text(Html.Time(shifts[1].From)).Raw("</p>");
                h.Raw("<table class=\"shifts\"><thead><tr><th>Who</th><th>From</th><th>To</th></tr></thead><tbody>");
                foreach (var shift in shifts)
                    h.Raw("<tr><td>").Text(shift.Person).Raw("</td><td>").Text(Html.Time(shift.From)).Raw("</td><td>")
                        .Text(Html.Time(shift.To)).Raw("</td></tr>");
                h.Raw("</tbody></table></section>");
            }
            h.Raw("<h2>Escalation policies</h2>");
            if (current.Policies.Count == 0)
                h.Raw("<p>No escalation policy: nobody is paged when an incident opens.</p>");
            foreach (var p in current.Policies)
            {
                h.Raw("<section class=\"policy\"><h3>").Text(p.Name)
                    .Raw(p.Default ? " <span class=\"muted\">(default)</span>" : "").Raw("</h3><ol>");
                foreach (var level in p.Levels)
                    h.Raw("<li>").Text(string.Join(", ",
                        level.Schedules.Select(s => $"on call for {s}").Concat(level.People))).Raw(" — ")
                        .Text($"{level.Minutes} min to acknowledge").Raw("</li>");
                h.Raw("</ol>");
                if (p.Repeat > 0) h.Raw("<p>").Text($"Repeated {p.Repeat} more time(s).").Raw("</p>");
                h.Raw("</section>");
            }
        }, toFix: toFix);

    public static string Message(string title, string text, ConsoleUser? user) =>
        Layout(title, user, null, h =>
            h.Raw("<h1>").Text(title).Raw("</h1><p>").Text(text).Raw("</p><p><a href=\"").Attr(ConsoleRoutes.List)
            .Raw("\">Incidents</a></p>"));

    // ---- helpers ----

    private static string StatusLabel(string status)
        => status.Length == 0 ? status : char.ToUpperInvariant(status[0]) + status[1..];

    private static string Csrf(string? token) =>
        token is null ? "" : $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{Html.Encode(token)}\">";

    private static void Fact(Html h, string name, string value)
        => h.Raw("<dt>").Text(name).Raw("</dt><dd>").Text(value).Raw("</dd>");

    private static void Option(Html h, string value, string label, bool selected) =>
        h.Raw("<option value=\"").Attr(value).Raw(selected ? "\" selected>" : "\">").Text(label).Raw("</option>");
}
