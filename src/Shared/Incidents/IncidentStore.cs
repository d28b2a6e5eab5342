using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>An incident with what hangs off it, as the API shows it.</summary>
public sealed record IncidentDetails(
    IncidentRecord Incident,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<AlertRecord> Alerts,
    IReadOnlyList<OutboxAction> Actions);

/// <summary>
/// The incident partitions (table <c>Incidents</c>): every read and write of their rows, in the layout of
/// <see cref="IncidentRows"/> — the incident row, alert rows, timeline entries, outbox rows (leases included), markers
/// and feature state rows. It plans nothing and signals nothing: a change with what it owes is committed by
/// <see cref="IncidentCommits"/>, which writes it here with <see cref="WriteAsync"/>.
/// </summary>
public sealed class IncidentStore(StorageClients storage)
{
    /// <summary>The most operations one entity-group transaction may hold (Azure Table storage).</summary>
    public const int MaxOperations = 100;

    private TableClient Table => storage.IncidentTable;

    public async Task<IncidentRecord?> FindAsync(string id, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<IncidentRecord>(id, IncidentRows.Incident,
            cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>One alert's row in the incident (by alert hash), or null.</summary>
    public async Task<AlertRecord?> FindAlertAsync(string id, string alertHash, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<AlertRecord>(id, IncidentRows.Alert(alertHash),
            cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// The incident with its timeline, alerts and outbox actions (markers and state rows skipped), in one partition
    /// query.
    /// </summary>
    public async Task<IncidentDetails?> GetDetailsAsync(string id, CancellationToken ct)
    {
        IncidentRecord? incident = null;
        var timeline = new List<TimelineEntry>();
        var alerts = new List<AlertRecord>();
        var actions = new List<OutboxAction>();
        // Skips occurrence markers, sent markers and feature state: in key order they lie between the outbox rows and
        // the timeline.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and (RowKey lt {IncidentRows.OccurrencePrefix} or RowKey ge {IncidentRows.TimelinePrefix})");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            var key = row.RowKey;
            if (key == IncidentRows.Incident) incident = As<IncidentRecord>(row);
            else if (key.StartsWith(IncidentRows.TimelinePrefix, StringComparison.Ordinal))
                timeline.Add(As<TimelineEntry>(row));
            else if (key.StartsWith(IncidentRows.AlertPrefix, StringComparison.Ordinal))
                alerts.Add(As<AlertRecord>(row));
            else if (key.StartsWith(IncidentRows.OutboxPrefix, StringComparison.Ordinal))
                actions.Add(As<OutboxAction>(row));
        }
        return incident is null ? null : new IncidentDetails(incident, timeline, alerts, actions);
    }

    public Task<List<OutboxAction>> GetOpenActionsAsync(string id, CancellationToken ct) =>
        GetActionsAsync(id, [OutboxStatus.Pending, OutboxStatus.Running], ct);

    /// <summary>
    /// The incident's outbox actions in the given states (one range query over its action rows only).
    /// </summary>
    public async Task<List<OutboxAction>> GetActionsAsync(string id, IReadOnlyCollection<OutboxStatus> statuses,
        CancellationToken ct)
    {
        var states = string.Join(" or ",
            statuses.Select(s => TableClient.CreateQueryFilter($"StatusName eq {s.ToString()}")));
        var filter = $"{IncidentRows.Range(id, IncidentRows.OutboxPrefix)} and ({states})";
        var list = new List<OutboxAction>();
        await foreach (var row in Table.QueryAsync<OutboxAction>(filter, cancellationToken: ct)) list.Add(row);
        return list;
    }

    /// <summary>
    /// The status of one outbox action (a point read of that column), or null when there is no such action.
    /// </summary>
    public async Task<OutboxStatus?> GetActionStatusAsync(string id, string actionId, CancellationToken ct)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(id, IncidentRows.OutboxRow(actionId),
            select: [nameof(OutboxAction.StatusName)], cancellationToken: ct);
        return row.HasValue && Enum.TryParse<OutboxStatus>(row.Value!.GetString(nameof(OutboxAction.StatusName)),
            out var status) ? status : null;
    }

    /// <summary>
    /// The incident's timeline entries at or after <paramref name="since"/> (all when null), oldest first: its timeline
    /// rows only.
    /// </summary>
    public async Task<List<TimelineEntry>> GetTimelineSinceAsync(string id, DateTimeOffset? since, CancellationToken ct)
    {
        var filter = since is { } from
            ? TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {IncidentRows.TimelinePrefix + Keys.Ticks(from)} and RowKey lt {IncidentRows.End(IncidentRows.TimelinePrefix)}")
            : IncidentRows.Range(id, IncidentRows.TimelinePrefix);
        var list = new List<TimelineEntry>();
        await foreach (var row in Table.QueryAsync<TimelineEntry>(filter, cancellationToken: ct)) list.Add(row);
        return list;
    }

    /// <summary>
    /// Each alert row's state (firing, newest occurrence, count, ETag) by alert hash: one partition range query.
    /// </summary>
    public async Task<Dictionary<string, AlertRowState>> ReadAlertStatesAsync(string id, CancellationToken ct)
    {
        var states = new Dictionary<string, AlertRowState>(StringComparer.Ordinal);
        string[] columns = ["RowKey", nameof(AlertRecord.StatusName), nameof(AlertRecord.StartsAt),
            nameof(AlertRecord.Occurrences)];
        await foreach (var row in Table.QueryAsync<AlertRecord>(IncidentRows.Range(id, IncidentRows.AlertPrefix),
            select: columns, cancellationToken: ct))
            states[IncidentRows.AlertHash(row.RowKey)] = AlertRowState.Of(row);
        return states;
    }

    /// <summary>
    /// One page of the rows with <paramref name="prefix"/>, in key order: up to <paramref name="limit"/> rows after the
    /// row <paramref name="after"/> (from the first when null or of another prefix), and the last row's key when more
    /// follow.
    /// </summary>
    public async Task<(List<T> Rows, string? Next)> PageAsync<T>(string id, string prefix, string? after, int limit,
        CancellationToken ct)
        where T : class, ITableEntity
    {
        var end = IncidentRows.End(prefix);
        var from = after is { } a && a.StartsWith(prefix, StringComparison.Ordinal) ? a : null;
        var filter = from is null
            ? IncidentRows.Range(id, prefix)
            : TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {from} and RowKey lt {end}");
        var rows = new List<T>(limit + 1);
        await foreach (var row in Table.QueryAsync<T>(filter, maxPerPage: Math.Min(limit + 1, 1000),
            cancellationToken: ct))
        {
            rows.Add(row);
            if (rows.Count > limit) break;
        }
        if (rows.Count <= limit) return (rows, null);
        rows.RemoveAt(rows.Count - 1);
        return (rows, rows[^1].RowKey);
    }

    // Feature state rows and sent markers (IncidentStates reads and updates them through these).

    /// <summary>The row, or null when nobody wrote it.</summary>
    internal async Task<T?> ReadRowAsync<T>(string id, string rowKey, CancellationToken ct)
        where T : class, ITableEntity
    {
        var row = await Table.GetEntityIfExistsAsync<T>(id, rowKey, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Every row whose RowKey starts with <paramref name="prefix"/> (one partition range query).</summary>
    internal async Task<List<T>> ReadRangeAsync<T>(string id, string prefix, CancellationToken ct)
        where T : class, ITableEntity
    {
        var list = new List<T>();
        await foreach (var row in Table.QueryAsync<T>(IncidentRows.Range(id, prefix), cancellationToken: ct))
            list.Add(row);
        return list;
    }

    /// <summary>Whether a row exists (a point read of its key only).</summary>
    internal async Task<bool> ExistsAsync(string id, string rowKey, CancellationToken ct) =>
        (await Table.GetEntityIfExistsAsync<TableEntity>(id, rowKey, select: ["RowKey"], cancellationToken: ct))
            .HasValue;

    /// <summary>
    /// Writes a state row alone: Add when new, Replace under the ETag it was read with; false when another writer won
    /// (409/412).
    /// </summary>
    internal async Task<bool> TryWriteStateAsync(IncidentState row, CancellationToken ct)
    {
        try
        {
            var response = row.Exists
                ? await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct)
                : await Table.AddEntityAsync(row, ct);
            row.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    // Outbox rows: the runner leases an action, renews the lease and records how it went.

    /// <summary>
    /// Takes the lease of an action as read (under its ETag) until <paramref name="until"/>; false when another runner
    /// took it first.
    /// </summary>
    public async Task<bool> TryLeaseAsync(OutboxAction action, DateTimeOffset until, CancellationToken ct)
    {
        action.Status = OutboxStatus.Running;
        action.LeaseUntil = until;
        try
        {
            await SaveActionAsync(action, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes the action row under the ETag it carries (its lease, its result, its next attempt) and keeps the new
    /// ETag.
    /// </summary>
    /// <exception cref="RequestFailedException">412: another runner wrote it since.</exception>
    public async Task SaveActionAsync(OutboxAction action, CancellationToken ct)
    {
        var response = await Table.UpdateEntityAsync(action, action.ETag, TableUpdateMode.Replace, ct);
        action.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>
    /// As <see cref="SaveActionAsync"/>, for a note that may be lost to another runner (412 ignored).
    /// </summary>
    public async Task TrySaveActionAsync(OutboxAction action, CancellationToken ct)
    {
        try { await SaveActionAsync(action, ct); }
        catch (RequestFailedException e) when (e.Status == 412) { }
    }

    /// <summary>
    /// Writes a planned change in one entity-group transaction (a single-row change as a plain single-entity request)
    /// and sets each written row's new ETag on it: the incident row (Add, or Replace under its ETag; left out when only
    /// rows beside it change), once-only markers, timeline entries, upserts, alert rows (Add, or Replace under their
    /// ETag), state rows and outbox actions. Two upserts (or alert rows) of one row keep the last.
    /// </summary>
    /// <exception cref="IncidentConcurrencyException">The incident, an alert or a state row changed (412) or exists
    /// already (409).</exception>
    /// <exception cref="DuplicateDeliveryException">A marker row exists.</exception>
    internal async Task WriteAsync(IncidentChange change, CancellationToken ct)
    {
        var id = change.IncidentId;
        var batch = new List<TableTransactionAction>(3 + change.Entries.Count + change.Upserts.Count
            + change.AlertRows.Count + change.Actions.Count);
        if (!change.LeaveIncidentRow)
            batch.Add(change.IsNew
                ? new TableTransactionAction(TableTransactionActionType.Add, change.Incident)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, change.Incident,
                    change.Incident.ETag));
        var firstOccurrence = batch.Count;
        batch.AddRange(change.Occurrences.Select(o =>
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(id, o))));
        batch.AddRange(change.Entries.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
        var upserts = new Dictionary<string, ITableEntity>(StringComparer.Ordinal);
        foreach (var row in change.Upserts) upserts[row.RowKey] = row;
        batch.AddRange(upserts.Values.Select(e =>
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)));
        var alertRows = new Dictionary<string, AlertRecord>(StringComparer.Ordinal);
        foreach (var row in change.AlertRows) alertRows[row.RowKey] = row;
        batch.AddRange(alertRows.Values.Select(a => a.ETag == default
            ? new TableTransactionAction(TableTransactionActionType.Add, a)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, a, a.ETag)));
        batch.AddRange(change.States.Select(row => row.Exists
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag)
            : new TableTransactionAction(TableTransactionActionType.Add, row)));
        batch.AddRange(change.Actions.Select(a => new TableTransactionAction(TableTransactionActionType.Add, a)));

        try
        {
            if (batch.Count == 1) batch[0].Entity.ETag = await WriteOneAsync(batch[0], ct);
            else
            {
                var response = await Table.SubmitTransactionAsync(batch, ct);
                for (var i = 0; i < batch.Count; i++) batch[i].Entity.ETag = response.Value[i].Headers.ETag ?? default;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            var failed = e.FailedTransactionActionIndex ?? -1;
            if (failed >= firstOccurrence && failed < firstOccurrence + change.Occurrences.Count)
                throw new DuplicateDeliveryException(id, change.Occurrences[failed - firstOccurrence]);
            throw new IncidentConcurrencyException(id);
        }
        catch (RequestFailedException e) when (batch.Count == 1 && e.Status is 409 or 412)
        {
            if (change.Occurrences.Count == 1) throw new DuplicateDeliveryException(id, change.Occurrences[0]);
            throw new IncidentConcurrencyException(id);
        }
    }

    /// <summary>
    /// A one-row change without the transaction envelope (cheaper for the service: e.g. an alert's repeat).
    /// </summary>
    private async Task<ETag> WriteOneAsync(TableTransactionAction action, CancellationToken ct)
    {
        var response = action.ActionType switch
        {
            TableTransactionActionType.Add => await Table.AddEntityAsync(action.Entity, ct),
            TableTransactionActionType.UpdateReplace
                => await Table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Replace, ct),
            TableTransactionActionType.UpdateMerge
                => await Table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Merge, ct),
            TableTransactionActionType.UpsertReplace
                => await Table.UpsertEntityAsync(action.Entity, TableUpdateMode.Replace, ct),
            TableTransactionActionType.UpsertMerge
                => await Table.UpsertEntityAsync(action.Entity, TableUpdateMode.Merge, ct),
            TableTransactionActionType.Delete => await Table.DeleteEntityAsync(action.Entity, action.ETag, ct),
            var other => throw new NotSupportedException($"Table action {other}"),
        };
        return response.Headers.ETag ?? default;
    }

    /// <summary>A row read as <see cref="TableEntity"/>, as the typed entity <typeparamref name="T"/>.</summary>
    public static T As<T>(TableEntity row) where T : class, ITableEntity, new()
    {
        var entity = new T
        {
            PartitionKey = row.PartitionKey,
            RowKey = row.RowKey,
            Timestamp = row.Timestamp,
            ETag = row.ETag,
        };
        foreach (var property in typeof(T).GetProperties())
        {
            if (!property.CanWrite || !row.TryGetValue(property.Name, out var value) || value is null) continue;
            if (property.Name is nameof(ITableEntity.PartitionKey) or nameof(ITableEntity.RowKey) or nameof(ITableEntity.Timestamp) or nameof(ITableEntity.ETag)) continue;
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(entity, value switch
            {
                DateTime dt when target == typeof(DateTimeOffset)
                    => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                _ when target.IsInstanceOfType(value) => value,
                _ => System.Convert.ChangeType(value, target),
            });
        }
        return entity;
    }
}
