using AutoResponder.Http;
using Azure.Data.Tables;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;

namespace AutoResponder.Incidents.Api;

/// <summary>
/// The incident's paged sub-resources (timeline, alerts, actions): one range query over the incident's partition
/// per page, in row order (the timeline and actions are time-ordered). The cursor carries the last row returned,
/// so rows appended meanwhile show up on a later page and none is returned twice.
/// </summary>
public sealed class IncidentPages(StorageClients storage)
{
    public static string Scope(string resource, string incidentId) => $"{resource}|{incidentId}";

    public async Task<TimelinePage> TimelineAsync(string id, PageRequest page, CancellationToken ct)
    {
        var (rows, next) = await ReadAsync<TimelineEntry>(id, TimelineEntry.Prefix, page, ct);
        return new TimelinePage(rows.Select(IncidentResources.ToItem).ToList(), Cursor("timeline", id, next));
    }

    public async Task<AlertPage> AlertsAsync(string id, PageRequest page, CancellationToken ct)
    {
        var (rows, next) = await ReadAsync<AlertRecord>(id, AlertRecord.Prefix, page, ct);
        return new AlertPage(rows.Select(IncidentResources.ToItem).ToList(), Cursor("alerts", id, next));
    }

    public async Task<ActionPage> ActionsAsync(string id, PageRequest page, CancellationToken ct)
    {
        var (rows, next) = await ReadAsync<OutboxAction>(id, OutboxAction.Prefix, page, ct);
        return new ActionPage(rows.Select(IncidentResources.ToItem).ToList(), Cursor("actions", id, next));
    }

    private static string? Cursor(string resource, string id, string? next) => next is null ? null : PageCursor.Encode(Scope(resource, id), next);

    /// <summary>Up to <c>limit</c> rows with the prefix after the cursor's row, and the last row's key when more follow.</summary>
    private async Task<(List<T> Rows, string? Next)> ReadAsync<T>(string id, string prefix, PageRequest page, CancellationToken ct)
        where T : class, ITableEntity
    {
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        var after = page.After is { } a && a.StartsWith(prefix, StringComparison.Ordinal) ? a : null;
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {prefix} and RowKey lt {end}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {after} and RowKey lt {end}");
        var rows = new List<T>(page.Limit + 1);
        await foreach (var row in storage.IncidentTable.QueryAsync<T>(filter, maxPerPage: Math.Min(page.Limit + 1, 1000), cancellationToken: ct))
        {
            rows.Add(row);
            if (rows.Count > page.Limit) break;
        }
        if (rows.Count <= page.Limit) return (rows, null);
        rows.RemoveAt(rows.Count - 1);
        return (rows, rows[^1].RowKey);
    }
}
