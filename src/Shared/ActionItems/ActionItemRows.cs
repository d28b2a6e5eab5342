using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.ActionItems;

/// <summary>
/// Timeline kinds, statuses and reminder stages of action items (its outbox kind: <see cref="ActionItemOutbox"/>).
/// </summary>
public static class ActionItemKinds
{
    public const string Added = "action-item-added";
    public const string StatusChanged = "action-item-status";
    public const string Reminded = "action-item-reminder";
    public const string Escalated = "action-item-escalated";

    public const string Open = "open";
    public const string Done = "done";
    public const string Dropped = "dropped";
    public static readonly IReadOnlyList<string> Statuses = [Open, Done, Dropped];

    /// <summary>
    /// Reminder stages, in order: the working day before the due date, the due date, overdue (to the managers).
    /// </summary>
    public const string Before = "before";
    public const string OnDueDate = "due";
    public const string Overdue = "overdue";
}

/// <summary>
/// Table "ActionItems" holds three kinds of row, each kind in its own partitions:
/// <list type="bullet">
/// <item>the item: PartitionKey = incident id, RowKey = item id (an incident's items are one partition);</item>
/// <item>the owner's index: PartitionKey = "owner|{owner}", RowKey = "{incident id}|{item id}", a copy of the item
/// (status, due date, title) so "my action items" and the cross-incident list read no incident;</item>
/// <item>the next reminder: PartitionKey = "reminder", RowKey = "{ticks due}|{incident id}|{item id}", so the job reads
/// only what is due.</item>
/// </list>
/// </summary>
public sealed class ActionItemRow : ITableEntity
{
    public const string OwnerPrefix = "owner|";
    public const string ReminderPartition = "reminder";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string IncidentId { get; set; } = "";
    public string ItemId { get; set; } = "";
    public string Title { get; set; } = "";
    public string Owner { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    public string? Link { get; set; }
    public string Status { get; set; } = ActionItemKinds.Open;
    public string? Reason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset? ChangedAt { get; set; }
    public string? ChangedBy { get; set; }
    /// <summary>On a reminder row: which reminder it is.</summary>
    public string? Stage { get; set; }

    public static string OwnerPartition(string owner) => OwnerPrefix + owner.Trim().ToLowerInvariant();
    public static string IndexKey(string incidentId, string itemId) => $"{incidentId}|{itemId}";
    public static string ReminderKey(DateTimeOffset at, string incidentId, string itemId)
        => $"{Keys.Ticks(at)}|{incidentId}|{itemId}";

    public ActionItemRow CopyAs(string partitionKey, string rowKey)
    {
        var copy = (ActionItemRow)MemberwiseClone();
        (copy.PartitionKey, copy.RowKey, copy.ETag) = (partitionKey, rowKey, default);
        return copy;
    }
}

public sealed class ActionItemStore(StorageClients storage)
{
    public const string TableName = "ActionItems";

    public TableClient Table { get; } = storage.Table(TableName);

    public async Task<ActionItemRow?> GetAsync(string incidentId, string itemId, CancellationToken ct)
    {
        var row = await Table.GetEntityIfExistsAsync<ActionItemRow>(incidentId, itemId, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    public async Task<List<ActionItemRow>> ForIncidentAsync(string incidentId, CancellationToken ct)
    {
        var rows = new List<ActionItemRow>();
        await foreach (var row in Table.QueryAsync<ActionItemRow>(r => r.PartitionKey == incidentId,
            cancellationToken: ct)) rows.Add(row);
        return rows.OrderBy(r => r.DueAt).ThenBy(r => r.CreatedAt).ToList();
    }

    /// <summary>
    /// The owner index copy of the item (written before the item, updated after it: a stale copy is corrected by the
    /// next change).
    /// </summary>
    public Task UpsertIndexAsync(ActionItemRow item, CancellationToken ct) =>
        Table.UpsertEntityAsync(item.CopyAs(ActionItemRow.OwnerPartition(item.Owner),
            ActionItemRow.IndexKey(item.IncidentId, item.ItemId)), TableUpdateMode.Replace, ct);

    public Task ScheduleAsync(ActionItemRow item, string stage, DateTimeOffset at, CancellationToken ct)
    {
        var reminder = item.CopyAs(ActionItemRow.ReminderPartition,
            ActionItemRow.ReminderKey(at, item.IncidentId, item.ItemId));
        reminder.Stage = stage;
        return Table.UpsertEntityAsync(reminder, TableUpdateMode.Replace, ct);
    }

    public async Task<List<ActionItemRow>> DueRemindersAsync(DateTimeOffset now, int max, CancellationToken ct)
    {
        var high = Keys.Ticks(now) + "~";
        var rows = new List<ActionItemRow>();
        await foreach (var row in Table.QueryAsync<ActionItemRow>(r =>
            r.PartitionKey == ActionItemRow.ReminderPartition && r.RowKey.CompareTo(high) < 0, maxPerPage: max,
            cancellationToken: ct))
        {
            rows.Add(row);
            if (rows.Count >= max) break;
        }
        return rows;
    }

    public async Task DeleteAsync(ActionItemRow row, CancellationToken ct)
    {
        try { await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }
}
