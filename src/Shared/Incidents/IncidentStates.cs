using Azure;
using Azure.Data.Tables;
using AutoResponder.Hosting;
using AutoResponder.Storage;
using Microsoft.Extensions.Options;

namespace AutoResponder.Incidents;

/// <summary>
/// The one read and update-with-retry of features' typed state rows (<see cref="IncidentState"/>). A row nobody wrote
/// yet reads as a fresh record; a write is an Add (new row) or a Replace under the ETag it was read with, so a
/// concurrent writer's change is never lost: the loser rereads and reapplies, at most
/// <see cref="AutoResponderOptions.ConflictRetries"/> times, then <see cref="IncidentBusyException"/> (503 + Retry-After).
/// </summary>
public sealed class IncidentStates(StorageClients storage, IOptions<AutoResponderOptions> options)
{
    private TableClient Table => storage.IncidentTable;

    public Task<T> ReadAsync<T>(string incidentId, CancellationToken ct) where T : IncidentState, new() =>
        ReadAsync<T>(incidentId, new T().RowKey, ct);

    public async Task<T> ReadAsync<T>(string incidentId, string rowKey, CancellationToken ct) where T : IncidentState, new()
    {
        var row = await Table.GetEntityIfExistsAsync<T>(incidentId, rowKey, cancellationToken: ct);
        return row.HasValue ? row.Value! : new T { PartitionKey = incidentId, RowKey = rowKey };
    }

    /// <summary>Every row of <typeparamref name="T"/> whose RowKey starts with <paramref name="prefix"/> (one partition range query).</summary>
    public async Task<List<T>> ReadAllAsync<T>(string incidentId, string prefix, CancellationToken ct) where T : IncidentState, new()
    {
        var list = new List<T>();
        await foreach (var row in Table.QueryAsync<T>(RangeFilter(incidentId, prefix), cancellationToken: ct)) list.Add(row);
        return list;
    }

    /// <summary>Whether a row exists (a point read of its key only).</summary>
    public async Task<bool> ExistsAsync(string incidentId, string rowKey, CancellationToken ct) =>
        (await Table.GetEntityIfExistsAsync<TableEntity>(incidentId, rowKey, select: ["RowKey"], cancellationToken: ct)).HasValue;

    /// <summary>
    /// Reads the row, lets <paramref name="apply"/> change it (false: nothing to write) and writes it under the ETag it was
    /// read with; a lost race is reread and reapplied. Returns the row as written (or as read, when nothing changed).
    /// </summary>
    public Task<T> UpdateAsync<T>(string incidentId, Func<T, bool> apply, CancellationToken ct) where T : IncidentState, new() =>
        UpdateAsync(incidentId, new T().RowKey, apply, ct);

    public async Task<T> UpdateAsync<T>(string incidentId, string rowKey, Func<T, bool> apply, CancellationToken ct) where T : IncidentState, new()
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await ReadAsync<T>(incidentId, rowKey, ct);
            if (!apply(row)) return row;
            try
            {
                var response = row.Exists
                    ? await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct)
                    : await Table.AddEntityAsync(row, ct);
                row.ETag = response.Headers.ETag ?? default;
                return row;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                await LostRaceAsync(incidentId, attempt, ct);
            }
        }
    }

    /// <summary>Applies the changes to the rows as they are now (one point read each).</summary>
    public async Task<List<IncidentState>> ApplyAsync(string incidentId, IEnumerable<StateChange> changes, CancellationToken ct)
    {
        var rows = new Dictionary<string, IncidentState>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (rows.ContainsKey(change.RowKey)) throw new InvalidOperationException($"Two changes of state row '{change.RowKey}' in one write; combine them.");
            rows[change.RowKey] = await change.ApplyToCurrentAsync(this, incidentId, ct);
        }
        return rows.Values.ToList();
    }

    /// <summary>How a state row joins a transaction: Add when new, Replace under its ETag otherwise (409/412: someone else wrote it).</summary>
    public static TableTransactionAction WriteAction(IncidentState row) => row.Exists
        ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag)
        : new TableTransactionAction(TableTransactionActionType.Add, row);

    /// <summary>After a lost race: wait with jitter (so instances stop colliding), or give up busy once the budget is spent.</summary>
    internal async Task LostRaceAsync(string incidentId, int attempt, CancellationToken ct)
    {
        if (attempt >= options.Value.ConflictRetries) throw new IncidentBusyException(incidentId);
        await Task.Delay(Random.Shared.Next(2, 10 * attempt), ct);
    }

    internal static string RangeFilter(string incidentId, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {incidentId} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + (char)(prefix[^1] + 1)}");

    /// <summary>Every feature state row of the incident (<c>state|…</c>), with one partition range query.</summary>
    public async Task<IncidentStateSet> ReadAllAsync(string incidentId, CancellationToken ct)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<TableEntity>(RangeFilter(incidentId, IncidentState.Prefix), cancellationToken: ct)) rows[row.RowKey] = row;
        return new IncidentStateSet(incidentId, rows);
    }

    /// <summary>A row read as <see cref="TableEntity"/>, as the typed entity <typeparamref name="T"/>.</summary>
    public static T As<T>(TableEntity row) where T : class, ITableEntity, new()
    {
        var entity = new T { PartitionKey = row.PartitionKey, RowKey = row.RowKey, Timestamp = row.Timestamp, ETag = row.ETag };
        foreach (var property in typeof(T).GetProperties())
        {
            if (!property.CanWrite || !row.TryGetValue(property.Name, out var value) || value is null) continue;
            if (property.Name is nameof(ITableEntity.PartitionKey) or nameof(ITableEntity.RowKey) or nameof(ITableEntity.Timestamp) or nameof(ITableEntity.ETag)) continue;
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(entity, value switch
            {
                DateTime dt when target == typeof(DateTimeOffset) => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                _ when target.IsInstanceOfType(value) => value,
                _ => System.Convert.ChangeType(value, target),
            });
        }
        return entity;
    }
}

/// <summary>The feature state rows of one incident as read together; a row nobody wrote reads as a fresh record.</summary>
public sealed class IncidentStateSet(string incidentId, IReadOnlyDictionary<string, TableEntity> rows)
{
    public T Get<T>() where T : IncidentState, new() => Get<T>(new T().RowKey);

    public T Get<T>(string rowKey) where T : IncidentState, new() =>
        rows.TryGetValue(rowKey, out var row) ? IncidentStates.As<T>(row) : new T { PartitionKey = incidentId, RowKey = rowKey };

    /// <summary>Every row of <typeparamref name="T"/> whose RowKey starts with <paramref name="prefix"/>, in key order.</summary>
    public IEnumerable<T> All<T>(string prefix) where T : IncidentState, new() =>
        rows.Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => IncidentStates.As<T>(r.Value));
}
