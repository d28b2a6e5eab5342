using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.StatusEmails;

/// <summary>A row of the due index: PartitionKey "due", RowKey "{dueTicks:D19}|{incidentId}".</summary>
public sealed class StatusEmailDue : ITableEntity
{
    public string PartitionKey { get; set; } = StatusEmailSchedule.DuePartition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string IncidentId { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
}

/// <summary>
/// The table "StatusEmailSchedule": one index partition ordered by due time, so the sweep reads
/// "RowKey &lt;= now" instead of scanning incidents. Row keys are deterministic (due time + incident), so
/// two paths that schedule the same next slot write the same row; a stale extra row is harmless (its
/// slot's email is deduplicated) and is removed when the sweep reaches it.
/// </summary>
public sealed class StatusEmailSchedule(StorageClients storage) : IStorageInitializer
{
    public const string TableName = "StatusEmailSchedule";
    public const string DuePartition = "due";

    private TableClient Table => storage.Table(TableName);

    public static string RowKeyFor(DateTimeOffset dueAt, string incidentId) => $"{Keys.Ticks(dueAt)}|{incidentId}";

    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
        => Table.CreateIfNotExistsAsync(cancellationToken);

    public Task ScheduleAsync(string incidentId, DateTimeOffset dueAt, CancellationToken ct) =>
        Table.UpsertEntityAsync(new StatusEmailDue { RowKey = RowKeyFor(dueAt, incidentId), IncidentId = incidentId, DueAt = dueAt }, TableUpdateMode.Replace, ct);

    /// <summary>Rows due at or before <paramref name="now"/>, earliest first.</summary>
    public async Task<List<StatusEmailDue>> DueAsync(DateTimeOffset now, int max, CancellationToken ct)
    {
        var upper = $"{Keys.Ticks(now)}|~";
        var list = new List<StatusEmailDue>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DuePartition} and RowKey le {upper}");
        await foreach (var row in Table.QueryAsync<StatusEmailDue>(filter, maxPerPage: Math.Min(max, 1000),
            cancellationToken: ct))
        {
            list.Add(row);
            if (list.Count >= max) break;
        }
        return list;
    }

    public async Task RemoveAsync(StatusEmailDue row, CancellationToken ct)
    {
        try { await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }
}
