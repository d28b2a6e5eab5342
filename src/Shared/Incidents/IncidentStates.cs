using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// The one read and update-with-retry of features' typed state rows (<see cref="IncidentState"/>), through
/// <see cref="IncidentStore"/>. A row nobody wrote yet reads as a fresh record; a write is an Add (new row) or a
/// Replace under the ETag it was read with, so a concurrent writer's change is never lost: the loser rereads and
/// reapplies under <see cref="ConflictRetry"/>, then <see cref="IncidentBusyException"/> (503 + Retry-After).
/// </summary>
public sealed class IncidentStates(IncidentStore store, ConflictRetry retry)
{
    public Task<T> ReadAsync<T>(string incidentId, CancellationToken ct) where T : IncidentState, new() =>
        ReadAsync<T>(incidentId, new T().RowKey, ct);

    public async Task<T> ReadAsync<T>(string incidentId, string rowKey, CancellationToken ct)
        where T : IncidentState, new() =>
        await store.ReadRowAsync<T>(incidentId, rowKey, ct) ?? new T { PartitionKey = incidentId, RowKey = rowKey };

    /// <summary>
    /// Every row of <typeparamref name="T"/> whose RowKey starts with <paramref name="prefix"/> (one partition range
    /// query).
    /// </summary>
    public Task<List<T>> ReadAllAsync<T>(string incidentId, string prefix, CancellationToken ct)
        where T : IncidentState, new() =>
        store.ReadRangeAsync<T>(incidentId, prefix, ct);

    /// <summary>Whether a row exists (a point read of its key only).</summary>
    public Task<bool> ExistsAsync(string incidentId, string rowKey, CancellationToken ct)
        => store.ExistsAsync(incidentId, rowKey, ct);

    /// <summary>
    /// Reads the row, lets <paramref name="apply"/> change it (false: nothing to write) and writes it under the ETag it
    /// was read with; a lost race is reread and reapplied. Returns the row as written (or as read, when nothing
    /// changed).
    /// </summary>
    public Task<T> UpdateAsync<T>(string incidentId, Func<T, bool> apply, CancellationToken ct)
        where T : IncidentState, new() =>
        UpdateAsync(incidentId, new T().RowKey, apply, ct);

    public async Task<T> UpdateAsync<T>(string incidentId, string rowKey, Func<T, bool> apply, CancellationToken ct)
        where T : IncidentState, new()
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await ReadAsync<T>(incidentId, rowKey, ct);
            if (!apply(row)) return row;
            if (await store.TryWriteStateAsync(row, ct)) return row;
            await retry.LostRaceAsync(incidentId, attempt, ct);
        }
    }

    /// <summary>Applies the changes to the rows as they are now (one point read each).</summary>
    public async Task<List<IncidentState>> ApplyAsync(string incidentId, IEnumerable<StateChange> changes,
        CancellationToken ct)
    {
        var rows = new Dictionary<string, IncidentState>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (rows.ContainsKey(change.RowKey))
                throw new InvalidOperationException(
                    $"Two changes of state row '{change.RowKey}' in one write; combine them.");
            rows[change.RowKey] = await change.ApplyToCurrentAsync(this, incidentId, ct);
        }
        return rows.Values.ToList();
    }

    /// <summary>Every feature state row of the incident (<c>state|…</c>), with one partition range query.</summary>
    public async Task<IncidentStateSet> ReadAllAsync(string incidentId, CancellationToken ct)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        foreach (var row in await store.ReadRangeAsync<TableEntity>(incidentId, IncidentRows.StatePrefix, ct))
            rows[row.RowKey] = row;
        return new IncidentStateSet(incidentId, rows);
    }
}

/// <summary>
/// The feature state rows of one incident as read together; a row nobody wrote reads as a fresh record.
/// </summary>
public sealed class IncidentStateSet(string incidentId, IReadOnlyDictionary<string, TableEntity> rows)
{
    public T Get<T>() where T : IncidentState, new() => Get<T>(new T().RowKey);

    public T Get<T>(string rowKey) where T : IncidentState, new() =>
        rows.TryGetValue(rowKey, out var row) ? IncidentStore.As<T>(row) : new T
        {
            PartitionKey = incidentId,
            RowKey = rowKey,
        };

    /// <summary>
    /// Every row of <typeparamref name="T"/> whose RowKey starts with <paramref name="prefix"/>, in key order.
    /// </summary>
    public IEnumerable<T> All<T>(string prefix) where T : IncidentState, new() =>
        rows.Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => IncidentStore.As<T>(r.Value));
}
