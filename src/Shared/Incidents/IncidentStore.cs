using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Incidents;

/// <summary>An incident with what hangs off it, as the API shows it.</summary>
public sealed record IncidentDetails(
    IncidentRecord Incident,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<AlertRecord> Alerts,
    IReadOnlyList<OutboxAction> Actions);

/// <summary>
/// Reads and writes incident partitions. Every write goes through <see cref="CommitAsync"/>: one
/// entity-group transaction holding the state change, its timeline entries and the side effects it
/// owes, so nothing is ever "saved but not announced".
/// </summary>
public sealed class IncidentStore(
    StorageClients storage,
    IncidentIndex index,
    IEnumerable<IIncidentEffect> effects,
    IOutboxSignal signal,
    OutboxLanes lanes,
    IncidentLocks locks,
    IncidentStates states,
    ILogger<IncidentStore> log)
{
    private readonly IIncidentEffect[] _effects = effects.ToArray();
    /// <summary>The incident rows this instance wrote last (ETag by id), so a cached view can tell it is stale; bounded.</summary>
    private readonly ConcurrentDictionary<string, ETag> _written = new(StringComparer.Ordinal);

    /// <summary>Whether this instance wrote the incident's row since <paramref name="seen"/> was read or written (another instance's writes are not seen here).</summary>
    public bool WrittenSince(IncidentRecord seen) => _written.TryGetValue(seen.Id, out var etag) && etag != seen.ETag;
    private TableClient Table => storage.IncidentTable;

    public async Task<IncidentRecord?> FindAsync(string id, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<IncidentRecord>(id, IncidentRecord.RowKeyValue, cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>One alert's row in the incident (by alert hash, the RowKey after "al|"), or null.</summary>
    public async Task<AlertRecord?> FindAlertAsync(string id, string alertHash, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<AlertRecord>(id, AlertRecord.Prefix + alertHash, cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The incident with its timeline, alerts and outbox actions (occurrence markers skipped), in one partition query.</summary>
    public async Task<IncidentDetails?> GetDetailsAsync(string id, CancellationToken ct)
    {
        IncidentRecord? incident = null;
        var timeline = new List<TimelineEntry>();
        var alerts = new List<AlertRecord>();
        var actions = new List<OutboxAction>();
        // Skips occurrence markers, sent markers and feature state ("oc|" < "sent|" < "state|" < "tl|").
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and (RowKey lt {"oc|"} or RowKey ge {TimelineEntry.Prefix})");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            var key = row.RowKey;
            if (key == IncidentRecord.RowKeyValue) incident = Convert<IncidentRecord>(row);
            else if (key.StartsWith(TimelineEntry.Prefix, StringComparison.Ordinal)) timeline.Add(Convert<TimelineEntry>(row));
            else if (key.StartsWith(AlertRecord.Prefix, StringComparison.Ordinal)) alerts.Add(Convert<AlertRecord>(row));
            else if (key.StartsWith(OutboxAction.Prefix, StringComparison.Ordinal)) actions.Add(Convert<OutboxAction>(row));
        }
        return incident is null ? null : new IncidentDetails(incident, timeline, alerts, actions);
    }

    public Task<List<OutboxAction>> GetOpenActionsAsync(string id, CancellationToken ct) =>
        GetActionsAsync(id, [OutboxStatus.Pending, OutboxStatus.Running], ct);

    /// <summary>The incident's outbox actions in the given states (one range query over its action rows only).</summary>
    public async Task<List<OutboxAction>> GetActionsAsync(string id, IReadOnlyCollection<OutboxStatus> statuses, CancellationToken ct)
    {
        var states = string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"StatusName eq {s.ToString()}")));
        var filter = $"{IncidentStates.RangeFilter(id, OutboxAction.Prefix)} and ({states})";
        var list = new List<OutboxAction>();
        await foreach (var row in Table.QueryAsync<OutboxAction>(filter, cancellationToken: ct)) list.Add(row);
        return list;
    }

    /// <summary>The incident's timeline entries at or after <paramref name="since"/> (all when null), oldest first: its timeline rows only.</summary>
    public async Task<List<TimelineEntry>> GetTimelineSinceAsync(string id, DateTimeOffset? since, CancellationToken ct)
    {
        var filter = since is { } from
            ? TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {TimelineEntry.Prefix + Keys.Ticks(from)} and RowKey lt {"tl}"}")
            : IncidentStates.RangeFilter(id, TimelineEntry.Prefix);
        var list = new List<TimelineEntry>();
        await foreach (var row in Table.QueryAsync<TimelineEntry>(filter, cancellationToken: ct)) list.Add(row);
        return list;
    }

    public async Task<IncidentRecord> UpdateAsync(string id, Func<IncidentRecord, ValueTask<IncidentChange?>> apply, CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(id, ct);
        for (var attempt = 1; ; attempt++)
        {
            var incident = await FindAsync(id, ct) ?? throw new IncidentNotFoundException(id);
            var change = await apply(incident);
            if (change is null) return incident;
            try
            {
                await CommitAsync(change, ct);
                return change.Incident;
            }
            catch (IncidentConcurrencyException)
            {
                await states.LostRaceAsync(id, attempt, ct);
            }
        }
    }

    /// <summary>
    /// Records what happened beside the incident row, never writing the row itself (its ETag stays): applies the state
    /// changes to the rows as they are now, lets <paramref name="build"/> add timeline entries, action rows and upserts,
    /// plans the side effects the entries owe (against the incident as it is now) and commits it all in one transaction.
    /// A state row another writer changed in between is reread and the change reapplied; after
    /// AutoResponder:ConflictRetries lost races, <see cref="IncidentBusyException"/>.
    /// </summary>
    /// <exception cref="IncidentNotFoundException">There is no such incident.</exception>
    public async Task RecordAsync(string id, IReadOnlyList<StateChange> changes, Action<IncidentChange> build, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var rows = await states.ApplyAsync(id, changes, ct);
            IncidentChange Build(IncidentRecord incident)
            {
                var change = new IncidentChange(incident, isNew: false) { LeaveIncidentRow = true };
                change.States.AddRange(rows);
                build(change);
                return change;
            }
            var change = Build(new IncidentRecord { Id = id, PartitionKey = id });
            // Timeline entries owe side effects, planned against the incident as it is now (one point read).
            if (change.Entries.Count > 0) change = Build(await FindAsync(id, ct) ?? throw new IncidentNotFoundException(id));
            try
            {
                await CommitAsync(change, ct);
                return;
            }
            catch (IncidentConcurrencyException)
            {
                await states.LostRaceAsync(id, attempt, ct);
            }
        }
    }

    /// <summary>The most operations one entity-group transaction may hold (Azure Table storage).</summary>
    public const int MaxOperations = 100;

    /// <summary>
    /// Asks every registered <see cref="IIncidentEffect"/> which side effects the change's timeline entries owe and
    /// adds them as outbox actions (once; <see cref="CommitAsync"/> calls it when the caller did not).
    /// </summary>
    public void Prepare(IncidentChange change)
    {
        if (change.Planned) return;
        var incident = change.Incident;
        foreach (var entry in change.Entries)
            foreach (var effect in _effects)
                foreach (var (kind, payload) in effect.Plan(incident, entry))
                    change.Actions.Add(OutboxAction.Create(incident.Id, kind, payload, entry.At));
        for (var i = 0; i < change.Actions.Count; i++) // owed in this order: planning order breaks same-time ties
            change.Actions[i].RowKey = OutboxAction.KeyFor(change.Actions[i].CreatedAt, i);
        change.Planned = true;
    }

    /// <summary>Operations the change needs once its side effects are planned (without planning them).</summary>
    public int OperationCount(IncidentChange change)
    {
        var planned = change.Planned ? change.Actions.Count : change.Actions.Count + change.Entries.Sum(e => _effects.Sum(f => f.Plan(change.Incident, e).Count()));
        return (change.LeaveIncidentRow ? 0 : 1) + change.Occurrences.Count + change.Entries.Count + change.States.Count +
               change.Upserts.Select(u => u.RowKey).Distinct(StringComparer.Ordinal).Count() +
               change.AlertRows.Select(a => a.RowKey).Distinct(StringComparer.Ordinal).Count() + planned;
    }

    /// <summary>
    /// Writes the change in one transaction (a single-row change as a plain single-entity request) and sets each written
    /// row's new ETag on it. Asks every registered <see cref="IIncidentEffect"/> which side effects the new timeline
    /// entries owe and stores them as outbox rows in the same transaction; afterwards signals the outbox runner. Two
    /// upserts (or alert rows) of one row keep the last.
    /// </summary>
    /// <exception cref="IncidentConcurrencyException">The incident, an alert or a state row changed (412) or exists already (409).</exception>
    /// <exception cref="DuplicateDeliveryException">A marker row exists.</exception>
    public async Task<ETag> CommitAsync(IncidentChange change, CancellationToken ct)
    {
        var incident = change.Incident;
        Prepare(change);

        var batch = new List<TableTransactionAction>(3 + change.Entries.Count + change.Upserts.Count + change.AlertRows.Count + change.Actions.Count);
        if (!change.LeaveIncidentRow)
            batch.Add(change.IsNew
                ? new TableTransactionAction(TableTransactionActionType.Add, incident)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, incident, incident.ETag));
        var firstOccurrence = batch.Count;
        batch.AddRange(change.Occurrences.Select(o => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(incident.Id, o))));
        batch.AddRange(change.Entries.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
        var upserts = new Dictionary<string, ITableEntity>(StringComparer.Ordinal);
        foreach (var row in change.Upserts) upserts[row.RowKey] = row;
        batch.AddRange(upserts.Values.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)));
        var alertRows = new Dictionary<string, AlertRecord>(StringComparer.Ordinal);
        foreach (var row in change.AlertRows) alertRows[row.RowKey] = row;
        batch.AddRange(alertRows.Values.Select(a => a.ETag == default
            ? new TableTransactionAction(TableTransactionActionType.Add, a)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, a, a.ETag)));
        batch.AddRange(change.States.Select(IncidentStates.WriteAction));
        batch.AddRange(change.Actions.Select(a => new TableTransactionAction(TableTransactionActionType.Add, a)));

        if (change.Actions.Count > 0)
            await index.MarkOutboxPendingAsync(incident.Id, ct); // before the commit: an orphan marker is harmless, a missing one is not

        try
        {
            if (batch.Count == 1) batch[0].Entity.ETag = await WriteOneAsync(batch[0], ct);
            else
            {
                var response = await Table.SubmitTransactionAsync(batch, ct);
                for (var i = 0; i < batch.Count; i++) batch[i].Entity.ETag = response.Value[i].Headers.ETag ?? default;
            }
            if (!change.LeaveIncidentRow)
            {
                if (_written.Count >= 10_000) _written.Clear(); // forgetting only costs a reread after ViewTrust
                _written[incident.Id] = incident.ETag;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            var failed = e.FailedTransactionActionIndex ?? -1;
            if (failed >= firstOccurrence && failed < firstOccurrence + change.Occurrences.Count)
                throw new DuplicateDeliveryException(incident.Id, change.Occurrences[failed - firstOccurrence]);
            throw new IncidentConcurrencyException(incident.Id);
        }
        catch (RequestFailedException e) when (batch.Count == 1 && e.Status is 409 or 412)
        {
            if (change.Occurrences.Count == 1) throw new DuplicateDeliveryException(incident.Id, change.Occurrences[0]);
            throw new IncidentConcurrencyException(incident.Id);
        }

        if (change.Actions.Count > 0)
            await signal.SignalOwedAsync(lanes, OutboxMessage.For(incident), change.Actions.Select(a => a.Kind), TimeSpan.Zero, ct);
        log.LogDebug("Committed {IncidentId}: {Entries} entries, {Actions} actions", incident.Id, change.Entries.Count, change.Actions.Count);
        return incident.ETag;
    }

    /// <summary>A one-row change without the transaction envelope (cheaper for the service: e.g. an alert's repeat).</summary>
    private async Task<ETag> WriteOneAsync(TableTransactionAction action, CancellationToken ct)
    {
        var response = action.ActionType switch
        {
            TableTransactionActionType.Add => await Table.AddEntityAsync(action.Entity, ct),
            TableTransactionActionType.UpdateReplace => await Table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Replace, ct),
            TableTransactionActionType.UpdateMerge => await Table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Merge, ct),
            TableTransactionActionType.UpsertReplace => await Table.UpsertEntityAsync(action.Entity, TableUpdateMode.Replace, ct),
            TableTransactionActionType.UpsertMerge => await Table.UpsertEntityAsync(action.Entity, TableUpdateMode.Merge, ct),
            TableTransactionActionType.Delete => await Table.DeleteEntityAsync(action.Entity, action.ETag, ct),
            var other => throw new NotSupportedException($"Table action {other}"),
        };
        return response.Headers.ETag ?? default;
    }

    /// <summary>Each alert row's state (firing, newest occurrence, count, ETag) by alert hash (the RowKey after "al|"): one partition range query.</summary>
    public async Task<Dictionary<string, AlertRowState>> ReadAlertStatesAsync(string id, CancellationToken ct)
    {
        var states = new Dictionary<string, AlertRowState>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {AlertRecord.Prefix} and RowKey lt {"al}"}");
        string[] columns = ["RowKey", nameof(AlertRecord.StatusName), nameof(AlertRecord.StartsAt), nameof(AlertRecord.Occurrences)];
        await foreach (var row in Table.QueryAsync<AlertRecord>(filter, select: columns, cancellationToken: ct))
            states[row.RowKey[AlertRecord.Prefix.Length..]] = AlertRowState.Of(row);
        return states;
    }

    private static T Convert<T>(TableEntity row) where T : class, ITableEntity, new() => IncidentStates.As<T>(row);
}
