using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.PriceGuard;

/// <summary>
/// The guard's durable position (table "PriceGuard", PartitionKey "checkpoint", RowKey "orders"): every order created
/// up to and including <see cref="CheckedThroughTicks"/> has been checked. The same row carries the lease (who runs
/// now, until when), so taking the lease and advancing the position are both ETag-guarded writes of one row.
/// </summary>
public sealed class PriceGuardCheckpointRow : ITableEntity
{
    public const string Partition = "checkpoint", Key = "orders";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = Key;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>UTC ticks (exact; a DateTime column could lose precision in some stores).</summary>
    public long CheckedThroughTicks { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset? LastRunAt { get; set; }
    public long OrdersChecked { get; set; }
    public long Findings { get; set; }

    public DateTimeOffset CheckedThrough => new(CheckedThroughTicks, TimeSpan.Zero);
}

/// <summary>Another run holds the checkpoint, or took it over while this one was running.</summary>
internal sealed class PriceGuardLeaseLostException(string message) : Exception(message);

/// <summary>Reads, leases and advances the checkpoint row. Every write is conditional on the row's ETag.</summary>
public sealed class PriceGuardCheckpointStore(StorageClients storage, TimeProvider time)
{
    public const string TableName = "PriceGuard";

    public TableClient Table { get; } = storage.Table(TableName);

    public async Task<PriceGuardCheckpointRow?> ReadAsync(CancellationToken ct)
    {
        var row = await Table.GetEntityIfExistsAsync<PriceGuardCheckpointRow>(PriceGuardCheckpointRow.Partition,
            PriceGuardCheckpointRow.Key, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Takes the lease for <paramref name="owner"/>, creating the row at <paramref name="startAt"/> on the very first
    /// run. Null when another owner holds an unexpired lease or wins the race for it.
    /// </summary>
    public async Task<PriceGuardCheckpointRow?> TryAcquireAsync(string owner, DateTimeOffset startAt, TimeSpan lease,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var row = await ReadAsync(ct);
        if (row is null)
        {
            row = new PriceGuardCheckpointRow
            {
                CheckedThroughTicks = startAt.UtcTicks,
                LeaseOwner = owner,
                LeaseUntil = now + lease,
                LastRunAt = now,
            };
            try
            {
                var added = await Table.AddEntityAsync(row, ct);
                row.ETag = added.Headers.ETag ?? default;
                return row;
            }
            // another instance created it first
            catch (RequestFailedException e) when (e.Status == 409) { return null; }
        }
        if (row.LeaseOwner is { } holder && holder != owner && row.LeaseUntil > now) return null;
        row.LeaseOwner = owner;
        row.LeaseUntil = now + lease;
        row.LastRunAt = now;
        try
        {
            var updated = await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
            row.ETag = updated.Headers.ETag ?? default;
            return row;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 409) { return null; }
    }

    /// <summary>
    /// Advances the position and renews (or, with <paramref name="release"/>, gives up) the lease, conditional on the
    /// ETag this run last wrote: if anyone else wrote the row since, the run has lost the checkpoint and must stop.
    /// </summary>
    public async Task CommitAsync(PriceGuardCheckpointRow row, DateTimeOffset checkedThrough, long checkedOrders,
        long findings, TimeSpan lease, bool release, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var next = new PriceGuardCheckpointRow
        {
            CheckedThroughTicks = Math.Max(row.CheckedThroughTicks, checkedThrough.UtcTicks),
            LeaseOwner = release ? null : row.LeaseOwner,
            LeaseUntil = release ? null : now + lease,
            LastRunAt = now,
            OrdersChecked = row.OrdersChecked + checkedOrders,
            Findings = row.Findings + findings,
        };
        try
        {
            var updated = await Table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, ct);
            row.CheckedThroughTicks = next.CheckedThroughTicks;
            row.LeaseOwner = next.LeaseOwner;
            row.LeaseUntil = next.LeaseUntil;
            row.LastRunAt = now;
            row.OrdersChecked = next.OrdersChecked;
            row.Findings = next.Findings;
            row.ETag = updated.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw new PriceGuardLeaseLostException($"The price guard checkpoint changed under this run (status " +
                $"{e.Status}); another instance continues from the last committed position.");
        }
    }
}
