using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Watch;

/// <summary>Timeline kinds of the watch (its outbox kind: <see cref="WatchOutbox"/>).</summary>
public static class WatchKinds
{
    public const string Started = "watch-started";
    /// <summary>
    /// New affected orders while the incident is still mitigated (a resolved one is reopened instead).
    /// </summary>
    public const string Affected = "watch-affected";
    public const string HandedOver = "watch-handover";
    public const string SignedOff = "watch-signed-off";
    public const string Ended = "watch-ended";
}

/// <summary>
/// One running watch: table "Watches", PartitionKey "active", RowKey = incident id. The job reads the one partition;
/// a finished, signed-off or reopened watch's row is deleted. The row also carries a lease, so two instances never
/// check the same orders twice.
/// </summary>
public sealed class WatchRecord : ITableEntity
{
    public const string Partition = "active";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset Until { get; set; }
    /// <summary>"mitigated" or "resolved": what the watch started after (the latest).</summary>
    public string Phase { get; set; } = "";
    public string? WatchedBy { get; set; }
    public long CheckedThroughTicks { get; set; }
    public long OrdersChecked { get; set; }
    public long AffectedOrders { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    public string IncidentId => RowKey;
    public DateTimeOffset CheckedThrough => new(CheckedThroughTicks, TimeSpan.Zero);
}

public sealed class WatchStore(StorageClients storage)
{
    public const string TableName = "Watches";

    public TableClient Table { get; } = storage.Table(TableName);

    public async Task<List<WatchRecord>> ListAsync(CancellationToken ct)
    {
        var rows = new List<WatchRecord>();
        await foreach (var row in Table.QueryAsync<WatchRecord>(r => r.PartitionKey == WatchRecord.Partition,
            cancellationToken: ct)) rows.Add(row);
        return rows;
    }

    public async Task<WatchRecord?> GetAsync(string incidentId, CancellationToken ct)
    {
        var row = await Table.GetEntityIfExistsAsync<WatchRecord>(WatchRecord.Partition, incidentId,
            cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Adds (no ETag on the row) or replaces under the row's ETag. False when someone else wrote first.
    /// </summary>
    public async Task<bool> TryWriteAsync(WatchRecord row, CancellationToken ct)
    {
        try
        {
            var response = row.ETag == default
                ? await Table.AddEntityAsync(row, ct)
                : await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
            row.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404) { return false; }
    }

    public async Task<bool> TryDeleteAsync(WatchRecord row, CancellationToken ct)
    {
        try { await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, ct); return true; }
        catch (RequestFailedException e) when (e.Status is 412 or 404) { return false; }
    }
}
