using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Impact;

/// <summary>
/// Another snapshot of the incident is running (or requested). The outbox retries; the API answers 409.
/// </summary>
internal sealed class ImpactBusyException(string incidentId, ImpactLeaseRecord lease)
    : Exception($"An impact snapshot of {incidentId} is already {lease.State} (lease until {lease.Until:O}).")
{
    public ImpactLeaseRecord Lease { get; } = lease;
}

/// <summary>The ImpactSnapshots table: snapshot rows and the per-incident lease.</summary>
public sealed class ImpactSnapshotStore(StorageClients storage, TimeProvider time)
{
    public const string TableName = "ImpactSnapshots";
    public TableClient Table => storage.Table(TableName);

    /// <summary>Every snapshot of the incident, oldest first.</summary>
    public async Task<List<ImpactSnapshotRecord>> ListAsync(string incidentId, CancellationToken ct)
    {
        var list = new List<ImpactSnapshotRecord>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {incidentId} and RowKey ge {ImpactSnapshotRecord.Prefix} and RowKey lt {"snap}"}");
        await foreach (var row in Table.QueryAsync<ImpactSnapshotRecord>(filter, cancellationToken: ct)) list.Add(row);
        return list;
    }

    /// <summary>
    /// The snapshot the impact state names as the latest recorded one (one point read), or null when there is none.
    /// </summary>
    public async Task<ImpactSnapshotRecord?> LatestAsync(ImpactState state, CancellationToken ct)
    {
        if (state.LatestSequence <= 0) return null;
        var row = await Table.GetEntityIfExistsAsync<ImpactSnapshotRecord>(state.IncidentId,
            ImpactSnapshotRecord.Key(state.LatestSequence), cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    public Task AddAsync(ImpactSnapshotRecord snapshot, CancellationToken ct) => Table.AddEntityAsync(snapshot, ct);

    public async Task<ImpactLeaseRecord?> GetLeaseAsync(string incidentId, CancellationToken ct)
    {
        var lease = await Table.GetEntityIfExistsAsync<ImpactLeaseRecord>(incidentId, ImpactLeaseRecord.Key,
            cancellationToken: ct);
        return lease.HasValue ? lease.Value : null;
    }

    /// <summary>
    /// Takes the lease for <paramref name="holder"/> in <paramref name="state"/>. A lease that has expired can be taken
    /// over; a "requested" one can be taken over by a running snapshot (that is the request being served).
    /// </summary>
    /// <exception cref="ImpactBusyException">Someone else holds it.</exception>
    public async Task<ImpactLeaseRecord> AcquireAsync(string incidentId, string state, string holder, TimeSpan duration,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var lease = new ImpactLeaseRecord
        {
            PartitionKey = incidentId,
            State = state,
            Holder = holder,
            Until = now + duration,
        };
        try
        {
            var added = await Table.AddEntityAsync(lease, ct);
            lease.ETag = added.Headers.ETag ?? default;
            return lease;
        }
        catch (RequestFailedException e) when (e.Status == 409) { }

        var current = await GetLeaseAsync(incidentId, ct);
        if (current is null) return await AcquireAsync(incidentId, state, holder, duration, ct);
        var takeOver = current.Until <= now
            || (state == ImpactLeaseRecord.Running && current.State == ImpactLeaseRecord.Requested);
        if (!takeOver) throw new ImpactBusyException(incidentId, current);
        lease.ETag = current.ETag;
        try
        {
            var updated = await Table.UpdateEntityAsync(lease, current.ETag, TableUpdateMode.Replace, ct);
            lease.ETag = updated.Headers.ETag ?? default;
            return lease;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw new ImpactBusyException(incidentId, current);
        }
    }

    /// <summary>Extends a lease we hold; false when it was lost (taken over after expiry).</summary>
    public async Task<bool> RenewAsync(ImpactLeaseRecord lease, TimeSpan duration, CancellationToken ct)
    {
        lease.Until = time.GetUtcNow() + duration;
        try
        {
            var updated = await Table.UpdateEntityAsync(lease, lease.ETag, TableUpdateMode.Replace, ct);
            lease.ETag = updated.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404) { return false; }
    }

    public async Task ReleaseAsync(ImpactLeaseRecord lease, CancellationToken ct)
    {
        try { await Table.DeleteEntityAsync(lease.PartitionKey, lease.RowKey, lease.ETag, ct); }
        catch (RequestFailedException e) when (e.Status is 412 or 404) { }
    }
}
