using AutoResponder.Http;
using AutoResponder.Incidents.Resources;

namespace AutoResponder.Incidents.Api;

/// <summary>
/// The incident's paged sub-resources (timeline, alerts, actions): one range query over the incident's partition
/// per page, in row order (the timeline and actions are time-ordered). The cursor carries the last row returned,
/// so rows appended meanwhile show up on a later page and none is returned twice.
/// </summary>
public sealed class IncidentPages(IncidentStore store)
{
    public static string Scope(string resource, string incidentId) => $"{resource}|{incidentId}";

    public async Task<TimelinePage> TimelineAsync(string id, PageRequest page, CancellationToken ct)
    {
        var (rows, next) = await store.PageAsync<TimelineEntry>(id, IncidentRows.TimelinePrefix, page.After, page.Limit,
            ct);
        return new TimelinePage(rows.Select(IncidentResources.ToItem).ToList(), Cursor("timeline", id, next));
    }

    public async Task<AlertPage> AlertsAsync(string id, PageRequest page, CancellationToken ct)
    {
        var (rows, next) = await store.PageAsync<AlertRecord>(id, IncidentRows.AlertPrefix, page.After, page.Limit, ct);
        return new AlertPage(rows.Select(IncidentResources.ToItem).ToList(), Cursor("alerts", id, next));
    }

    public async Task<ActionPage> ActionsAsync(string id, PageRequest page, CancellationToken ct)
    {
        var (rows, next) = await store.PageAsync<OutboxAction>(id, IncidentRows.OutboxPrefix, page.After, page.Limit,
            ct);
        return new ActionPage(rows.Select(IncidentResources.ToItem).ToList(), Cursor("actions", id, next));
    }

    private static string? Cursor(string resource, string id, string? next)
        => next is null ? null : PageCursor.Encode(Scope(resource, id), next);
}
