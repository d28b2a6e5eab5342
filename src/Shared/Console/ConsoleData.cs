using AutoResponder.Alerts;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Teams;
using AutoResponder.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>What the list page asks for: filters, and the page (newest first).</summary>
public sealed record ListQuery(IReadOnlyList<IncidentStatus> Statuses, Severity? Severity, string? Service, int Page)
{
    public const int PageSize = 25;
}

/// <summary>One row of the list page.</summary>
public sealed record ListRow(string Id, string Title, string Severity, IncidentStatus Status, string? Service, string? Owner,
    DateTimeOffset OpenedAt, DateTimeOffset? Eta, int AlertCount);

public sealed record ListPage(IReadOnlyList<ListRow> Rows, bool HasMore);

public sealed record ReminderView(string Kind, string Label, DateTimeOffset? DueAt, string Status);

public sealed record StatusEmailView(bool Enabled, TimeSpan Cadence, DateTimeOffset? NextDue, DateTimeOffset? LastSentAt, int Sent);

public sealed record PostmortemView(bool DraftWritten, string? Link, DateTimeOffset? CompletedAt);

/// <summary>Everything the incident page shows, read through the same services the API uses.</summary>
public sealed record IncidentView(
    IncidentRecord Incident,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<AlertRecord> Alerts,
    ImpactEndpoint.ImpactJson? Impact,
    bool ImpactConfigured,
    string? TeamsThreadUrl,
    StatusEmailView StatusEmails,
    IReadOnlyList<ReminderView> Reminders,
    PostmortemView Postmortem);

/// <summary>
/// The console's reads. It goes through the services the API goes through (incident store and index, the impact
/// endpoint), never to tables of its own, so a page shows exactly what the API would answer.
/// </summary>
public sealed class ConsoleData(
    IncidentStore store,
    IncidentIndex index,
    ImpactEndpoint impact,
    IOptions<StatusEmailOptions> statusEmails,
    TimeProvider time)
{
    /// <summary>The most incidents one list read considers (the API's own limit).</summary>
    private const int MaxList = 500;

    public async Task<ListPage> ListAsync(ListQuery query, CancellationToken ct)
    {
        var wanted = query.Statuses.Count == 0 ? [IncidentStatus.Open, IncidentStatus.Acknowledged, IncidentStatus.Mitigated, IncidentStatus.Resolved] : query.Statuses;
        var listings = new List<IncidentListing>();
        if (wanted.Any(s => s != IncidentStatus.Closed))
            listings.AddRange(await index.ListAsync(IncidentIndex.ActivePartition, MaxList, ct));
        if (wanted.Contains(IncidentStatus.Closed))
            listings.AddRange(await index.ListAsync(IncidentIndex.ClosedPartition, MaxList, ct));

        var records = await Task.WhenAll(listings.Select(l => l.IncidentId).Distinct().Select(id => store.FindAsync(id, ct)));
        var rows = records.OfType<IncidentRecord>()
            .Where(i => wanted.Contains(i.Status))
            .Where(i => query.Severity is null || i.Severity == query.Severity)
            .Where(i => string.IsNullOrEmpty(query.Service) || string.Equals(i.Service, query.Service, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(i => i.OpenedAt).ThenBy(i => i.Id, StringComparer.Ordinal)
            .Skip(query.Page * ListQuery.PageSize)
            .Take(ListQuery.PageSize + 1)
            .Select(i => new ListRow(i.Id, i.Title, i.SeverityName, i.Status, i.Service, i.Owner, i.OpenedAt, i.Eta, i.AlertCount))
            .ToList();
        var more = rows.Count > ListQuery.PageSize;
        return new ListPage(more ? rows[..ListQuery.PageSize] : rows, more);
    }

    public async Task<IncidentView?> GetAsync(string id, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return null;
        var details = await store.GetDetailsAsync(id, ct);
        if (details is null) return null;
        var i = details.Incident;
        var effects = IncidentStore.ReadEffects(i);

        var impactResult = await impact.GetAsync(id, ct);
        var impactJson = impactResult.Body as ImpactEndpoint.ImpactJson;

        var options = statusEmails.Value;
        var cadence = options.CadenceFor(i.Severity);
        DateTimeOffset? nextDue = options.Enabled && i.Status.IsLive()
            ? StatusEmailSlots.NextDue(i.OpenedAt, cadence, time.GetUtcNow())
            : null;
        var emails = new StatusEmailView(options.Enabled, cadence, nextDue,
            Date(effects.GetValueOrDefault(StatusEmailKeys.LastSentAt)),
            int.TryParse(effects.GetValueOrDefault(StatusEmailKeys.Count), out var sent) ? sent : 0);

        var reminders = ReminderKinds.All
            .Where(k => effects.ContainsKey(ReminderKeys.Status(k)) || effects.ContainsKey(ReminderKeys.DueAt(k)))
            .Select(k => new ReminderView(k, ReminderKinds.Describe(k), Date(effects.GetValueOrDefault(ReminderKeys.DueAt(k))),
                effects.GetValueOrDefault(ReminderKeys.Status(k)) ?? "scheduled"))
            .OrderBy(r => r.DueAt)
            .ToList();
        var postmortem = new PostmortemView(effects.ContainsKey(ReminderKeys.DraftBlob), effects.GetValueOrDefault(ReminderKeys.PostmortemLink),
            Date(effects.GetValueOrDefault(ReminderKeys.PostmortemCompletedAt)));

        return new IncidentView(i, details.Timeline.OrderByDescending(t => t.RowKey, StringComparer.Ordinal).ToList(),
            details.Alerts.OrderByDescending(a => a.LastSeenAt).ToList(),
            impactJson, impactJson is { Rules.Count: > 0 }, effects.GetValueOrDefault(TeamsKeys.RootWebUrl),
            emails, reminders, postmortem);
    }

    private static DateTimeOffset? Date(string? text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}
