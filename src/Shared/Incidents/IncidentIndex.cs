using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// A pointer row in the index table: which incident a dedup key or grouping key currently belongs to.
/// </summary>
public sealed class IncidentPointer : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string IncidentId { get; set; } = "";
    public DateTimeOffset ClaimedAt { get; set; }
}

/// <summary>A row in a listing partition ("active", "closed", "outbox-pending").</summary>
public sealed class IncidentListing : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string IncidentId { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>Where a pointer row lives in the index table.</summary>
public readonly record struct PointerKey(string Partition, string Row);

/// <summary>
/// The IncidentIndex table. Point rows settle races (who opens the incident for a fingerprint) and
/// listing partitions answer "which incidents are active / owe side effects" without a table scan.
/// Rows are written next to the incident partition, not inside its transaction, so readers treat
/// them as hints and check the incident row for the truth.
/// </summary>
public sealed class IncidentIndex(StorageClients storage)
{
    public const string ActivePartition = "active";
    public const string ClosedPartition = "closed";
    public const string OutboxPendingPartition = "outbox-pending";
    /// <summary>
    /// One row per parked (failed) outbox action, "{incident id}|{action id}": health counts them without a scan.
    /// </summary>
    public const string OutboxParkedPartition = "outbox-parked";
    private const string Current = "current";

    private TableClient Table => storage.IncidentIndex;
    private readonly PointerClaims _claims = new(() => storage.IncidentIndex);

    /// <summary>
    /// The pointer of a dedup key: in its group's partition when the alert has a grouping key (a group's new alerts
    /// then claim their pointers together, in shared transactions), in a partition of its own otherwise.
    /// </summary>
    public static PointerKey DedupPointer(string dedupHash, string? groupHash) =>
        groupHash is null ? new($"dedup-{dedupHash}", Current) : new(GroupPartition(groupHash), $"dedup-{dedupHash}");

    /// <summary>The pointer of a grouping key to its group's current incident.</summary>
    public static PointerKey GroupPointer(string groupHash) => new(GroupPartition(groupHash), Current);

    private static string GroupPartition(string groupHash) => $"group-{groupHash}";

    public async Task<IncidentPointer?> GetPointerAsync(PointerKey key, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<IncidentPointer>(key.Partition, key.Row,
            cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Points the key at <paramref name="incidentId"/>: adds the row when <paramref name="seen"/> is null (claims of
    /// one partition are committed together), otherwise replaces it only if it is unchanged since it was read. False
    /// when someone else won.
    /// </summary>
    public async Task<bool> TryClaimAsync(PointerKey key, IncidentPointer? seen, string incidentId, DateTimeOffset now,
        CancellationToken ct)
    {
        var row = new IncidentPointer
        {
            PartitionKey = key.Partition,
            RowKey = key.Row,
            IncidentId = incidentId,
            ClaimedAt = now,
        };
        if (seen is null) return await _claims.TryAddAsync(row, ct);
        try
        {
            await Table.UpdateEntityAsync(row, seen.ETag, TableUpdateMode.Replace, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public Task MarkActiveAsync(IncidentRecord incident, CancellationToken ct) =>
        Table.UpsertEntityAsync(new IncidentListing { PartitionKey = ActivePartition, RowKey = incident.Id, IncidentId = incident.Id, At = incident.OpenedAt }, TableUpdateMode.Replace, ct);

    /// <summary>Moves the incident from the active listing to the closed listing (newest first).</summary>
    public async Task MarkClosedAsync(IncidentRecord incident, DateTimeOffset closedAt, CancellationToken ct)
    {
        await Table.UpsertEntityAsync(new IncidentListing
        {
            PartitionKey = ClosedPartition,
            RowKey = $"{Keys.InvertedTicks(closedAt)}|{incident.Id}",
            IncidentId = incident.Id,
            At = closedAt,
        }, TableUpdateMode.Replace, ct);
        await Table.DeleteEntityAsync(ActivePartition, incident.Id, ETag.All, ct);
    }

    public Task RemoveActiveAsync(string incidentId, CancellationToken ct)
        => Table.DeleteEntityAsync(ActivePartition, incidentId, ETag.All, ct);

    public async Task<List<IncidentListing>> ListAsync(string partition, int max, CancellationToken ct)
    {
        var list = new List<IncidentListing>();
        await foreach (var row in Table.QueryAsync<IncidentListing>(r => r.PartitionKey == partition,
            maxPerPage: Math.Min(max, 1000), cancellationToken: ct))
        {
            list.Add(row);
            if (list.Count >= max) break;
        }
        return list;
    }

    public Task MarkOutboxPendingAsync(string incidentId, CancellationToken ct) =>
        Table.UpsertEntityAsync(new IncidentListing { PartitionKey = OutboxPendingPartition, RowKey = incidentId, IncidentId = incidentId }, TableUpdateMode.Replace, ct);

    /// <summary>
    /// Removes the pending marker unless it was rewritten since <paramref name="seen"/> (a new action arrived).
    /// </summary>
    public async Task ClearOutboxPendingAsync(IncidentListing seen, CancellationToken ct)
    {
        try { await Table.DeleteEntityAsync(OutboxPendingPartition, seen.RowKey, seen.ETag, ct); }
        catch (RequestFailedException e) when (e.Status is 404 or 412) { }
    }

    /// <summary>
    /// Notes a parked action, before the transaction that parks it (an orphan is harmless: readers check the action).
    /// </summary>
    public Task MarkParkedAsync(string incidentId, string actionId, DateTimeOffset at, CancellationToken ct) =>
        Table.UpsertEntityAsync(new IncidentListing { PartitionKey = OutboxParkedPartition, RowKey = ParkedKey(incidentId, actionId), IncidentId = incidentId, At = at }, TableUpdateMode.Replace, ct);

    /// <summary>Forgets a parked action once it is re-driven (or found not parked any more).</summary>
    public async Task ClearParkedAsync(string incidentId, string actionId, CancellationToken ct)
    {
        try { await Table.DeleteEntityAsync(OutboxParkedPartition, ParkedKey(incidentId, actionId), ETag.All, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }

    public static string ParkedKey(string incidentId, string actionId) => $"{incidentId}|{actionId}";

    /// <summary>The action id of an <see cref="OutboxParkedPartition"/> row.</summary>
    public static string ParkedActionId(IncidentListing row) => row.RowKey[(row.RowKey.IndexOf('|') + 1)..];

    public async Task<IncidentListing?> GetOutboxPendingAsync(string incidentId, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<IncidentListing>(OutboxPendingPartition, incidentId,
            cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }
}
