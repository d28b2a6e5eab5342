using AutoResponder.Http;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Api;
using AutoResponder.Incidents.Resources;
using AutoResponder.StatusEmails;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>What the list page asks for: the API's own filters and page (newest first).</summary>
public sealed record ListQuery(IncidentFilter Filter, PageRequest Page, string? Cursor)
{
    public const int PageSize = 25;
}

/// <summary>Everything the incident page shows, read through the same services the API uses.</summary>
public sealed record IncidentView(
    IncidentResource Incident,
    IncidentStatus Status,
    IReadOnlyList<TimelineItem> Timeline,
    IReadOnlyList<AlertItem> Alerts,
    ImpactEndpoint.ImpactJson? Impact,
    bool StatusEmailsEnabled,
    TimeSpan StatusEmailCadence,
    IReadOnlyList<SuspectLine>? Suspects = null,
    IReadOnlyList<ActionItems.ActionItemRow>? ActionItems = null);

/// <summary>
/// The console's reads. The list is the API's list query (same filters, same index-only candidates, same cursor);
/// the incident is the API's incident resource, its timeline and alerts pages and the impact endpoint's history.
/// So a page shows exactly what the API would answer, at the same cost.
/// </summary>
public sealed class ConsoleData(
    IncidentStore store,
    IncidentListQuery list,
    IncidentResources resources,
    IncidentPages pages,
    ImpactEndpoint impact,
    IOptions<StatusEmailOptions> statusEmails,
    IEnumerable<IIncidentSuspects> suspects,
    ActionItems.ActionItemStore actionItems)
{
    /// <summary>
    /// The most suspect changes the page lists (newest first; GET /api/incidents/{id}/changes has up to 200).
    /// </summary>
    public const int MaxSuspects = 50;

    /// <summary>The most timeline entries and alerts one page shows (the rest through the API's paging).</summary>
    private const int MaxRows = 500;

    /// <summary>Reads the list's filters and page from the query string, exactly as GET /api/incidents does.</summary>
    public static ListQuery? ReadQuery(HttpRequest request, out string? problem)
    {
        problem = null;
        var filter = IncidentFilter.Read(request, out var filterProblem);
        if (filter is null) { problem = Detail(filterProblem); return null; }
        var page = PageRequest.Read(request, filter.Scope, out var pageProblem);
        if (page is null) { problem = Detail(pageProblem); return null; }
        if (!request.Query.ContainsKey("limit")) page = page with { Limit = ListQuery.PageSize };
        var cursor = request.Query["cursor"].ToString();
        return new ListQuery(filter, page, cursor.Length == 0 ? null : cursor);
    }

    public Task<IncidentList> ListAsync(ListQuery query, CancellationToken ct)
        => list.ReadAsync(query.Filter, query.Page, ct);

    public async Task<IncidentView?> GetAsync(string id, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return null;
        var record = await store.FindAsync(id, ct);
        if (record is null) return null;
        var resource = resources.ReadAsync(record, ct);
        var timeline = LatestTimelineAsync(id, ct);
        var alerts = pages.AlertsAsync(id, new PageRequest(MaxRows, null), ct);
        var impactResult = impact.GetAsync(id, ct);
        var suspectLines = suspects.NewestAsync(record, MaxSuspects, ct);
        var items = actionItems.ForIncidentAsync(id, ct);
        var options = statusEmails.Value;
        return new IncidentView(await resource, record.Status,
            await timeline,
            (await alerts).Alerts.OrderByDescending(a => a.LastSeenAt).ToList(),
            (await impactResult).Body as ImpactEndpoint.ImpactJson,
            options.Enabled, options.CadenceFor(record.Severity), await suspectLines, await items);
    }

    /// <summary>
    /// "My action items": the signed-in person's items across incidents, from the owner index (no incident is read).
    /// </summary>
    public async Task<IReadOnlyList<ActionItems.ActionItemRow>> MyActionItemsAsync(string owner, CancellationToken ct)
    {
        var rows = new List<ActionItems.ActionItemRow>();
        var partition = ActionItems.ActionItemRow.OwnerPartition(owner);
        await foreach (var row in actionItems.Table.QueryAsync<ActionItems.ActionItemRow>(r =>
            r.PartitionKey == partition, cancellationToken: ct))
        {
            rows.Add(row);
            if (rows.Count >= MaxRows) break;
        }
        return rows.OrderBy(r => r.Status == AutoResponder.ActionItems.ActionItemKinds.Open ? 0 : 1)
            .ThenBy(r => r.DueAt).ToList();
    }

    /// <summary>
    /// The newest <see cref="MaxRows"/> entries, newest first (the API pages the timeline oldest first).
    /// </summary>
    private async Task<IReadOnlyList<TimelineItem>> LatestTimelineAsync(string id, CancellationToken ct)
    {
        var latest = new Queue<TimelineItem>();
        string? after = null;
        do
        {
            var page = await pages.TimelineAsync(id, new PageRequest(MaxRows, after), ct);
            foreach (var item in page.Timeline)
            {
                latest.Enqueue(item);
                if (latest.Count > MaxRows) latest.Dequeue();
            }
            after = page.NextCursor is { } next ? PageCursor.Decode(next, IncidentPages.Scope("timeline", id)) : null;
        } while (after is not null);
        return latest.Reverse().ToList();
    }

    private static string Detail(ApiResult? problem)
        => (problem?.Body as ProblemBody)?.Detail ?? "The filter is not valid.";
}
