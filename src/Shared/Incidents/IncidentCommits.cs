using System.Collections.Concurrent;
using Azure;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Incidents;

/// <summary>
/// The commit pipeline of an incident change: plan the side effects its timeline entries owe (every registered
/// <see cref="IIncidentEffect"/>, in registration order), mark the incident as owing outbox work, write the change in
/// one transaction (<see cref="IncidentStore.WriteAsync"/>) and signal the outbox. Nothing is "saved but not
/// announced": the actions owed are rows of the same transaction, the signal only wakes the runner sooner than the
/// sweep.
/// <para>
/// Also the two read-modify-write loops on top of it: <see cref="UpdateAsync"/> (the incident row, for human actions)
/// and <see cref="RecordAsync"/> (rows beside it, for background work). Both retry a lost race under
/// <see cref="ConflictRetry"/>.
/// </para>
/// </summary>
public sealed class IncidentCommits(
    IncidentStore store,
    IncidentIndex index,
    IEnumerable<IIncidentEffect> effects,
    IOwedActionsSignal signal,
    IncidentLocks locks,
    IncidentStates states,
    IncidentWrites writes,
    ConflictRetry retry,
    ILogger<IncidentCommits> log)
{
    private readonly IIncidentEffect[] _effects = effects.ToArray();

    /// <summary>
    /// Reads the incident, applies <paramref name="apply"/> (null: nothing to write) and commits under the row's ETag,
    /// queued behind this process's other writers of the incident (<see cref="IncidentLocks"/>); a race lost to another
    /// instance is reread and reapplied.
    /// </summary>
    /// <exception cref="IncidentNotFoundException">There is no such incident.</exception>
    /// <exception cref="IncidentBusyException">Other instances kept winning the race.</exception>
    public async Task<IncidentRecord> UpdateAsync(string id, Func<IncidentRecord, ValueTask<IncidentChange?>> apply,
        CancellationToken ct)
    {
        using var held = await locks.AcquireAsync(id, ct);
        for (var attempt = 1; ; attempt++)
        {
            var incident = await store.FindAsync(id, ct) ?? throw new IncidentNotFoundException(id);
            var change = await apply(incident);
            if (change is null) return incident;
            try
            {
                await CommitAsync(change, ct);
                return change.Incident;
            }
            catch (IncidentConcurrencyException)
            {
                await retry.LostRaceAsync(id, attempt, ct);
            }
        }
    }

    /// <summary>
    /// Records what happened beside the incident row, never writing the row itself (its ETag stays): applies the state
    /// changes to the rows as they are now, lets <paramref name="build"/> add timeline entries, action rows and
    /// upserts, and commits it all in one transaction. A state row another writer changed in between is reread and the
    /// change reapplied; after the conflict budget, <see cref="IncidentBusyException"/>.
    /// </summary>
    /// <exception cref="IncidentNotFoundException">There is no such incident.</exception>
    public async Task RecordAsync(string id, IReadOnlyList<StateChange> changes, Action<IncidentChange> build,
        CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var change = IncidentChange.Beside(id);
            change.States.AddRange(await states.ApplyAsync(id, changes, ct));
            build(change);
            try
            {
                await CommitAsync(change, ct);
                return;
            }
            catch (IncidentConcurrencyException)
            {
                await retry.LostRaceAsync(id, attempt, ct);
            }
        }
    }

    /// <summary>
    /// Asks every registered <see cref="IIncidentEffect"/> which side effects the change's timeline entries owe and
    /// adds them as outbox actions (once; <see cref="CommitAsync"/> does it when the caller did not). A change beside
    /// the incident row is planned (and its signal sent) against the incident as it is now: one point read, none when
    /// it owes nothing.
    /// </summary>
    /// <exception cref="IncidentNotFoundException">A change beside an incident that does not exist.</exception>
    public async ValueTask PlanAsync(IncidentChange change, CancellationToken ct)
    {
        if (change.Planned) return;
        if (!change.KnowsIncident && (change.Entries.Count > 0 || change.Actions.Count > 0))
            change.PlanAgainst(await store.FindAsync(change.IncidentId, ct)
                ?? throw new IncidentNotFoundException(change.IncidentId));
        Plan(change);
    }

    /// <summary>As <see cref="PlanAsync"/>, for a change that knows its incident (or owes nothing new).</summary>
    public void Plan(IncidentChange change)
    {
        if (change.Planned) return;
        foreach (var entry in change.Entries)
            foreach (var effect in _effects)
                foreach (var (kind, payload) in effect.Plan(change.Incident, entry))
                    change.Actions.Add(OutboxAction.Create(change.IncidentId, kind, payload, entry.At));
        for (var i = 0; i < change.Actions.Count; i++) // owed in this order: planning order breaks same-time ties
            change.Actions[i].RowKey = IncidentRows.Outbox(change.Actions[i].CreatedAt, i);
        change.Planned = true;
    }

    /// <summary>Operations the change needs once its side effects are planned (without planning them).</summary>
    public int OperationCount(IncidentChange change)
    {
        var planned = change.Planned
            ? change.Actions.Count : change.Actions.Count
            + change.Entries.Sum(e => _effects.Sum(f => f.Plan(change.Incident, e).Count()));
        return (change.LeaveIncidentRow ? 0 : 1) + change.Occurrences.Count + change.Entries.Count
            + change.States.Count +
               change.Upserts.Select(u => u.RowKey).Distinct(StringComparer.Ordinal).Count() +
               change.AlertRows.Select(a => a.RowKey).Distinct(StringComparer.Ordinal).Count() + planned;
    }

    /// <summary>
    /// Plans the change's side effects, writes it in one transaction (each written row gets its new ETag) and
    /// afterwards signals the outbox when it owes actions.
    /// </summary>
    /// <exception cref="IncidentConcurrencyException">The incident, an alert or a state row changed (412) or exists
    /// already (409).</exception>
    /// <exception cref="DuplicateDeliveryException">A marker row exists.</exception>
    /// <exception cref="IncidentNotFoundException">A change beside an incident that does not exist.</exception>
    public async Task CommitAsync(IncidentChange change, CancellationToken ct)
    {
        await PlanAsync(change, ct);
        if (change.Actions.Count > 0)
            // before the commit: an orphan marker is harmless, a missing one is not
            await index.MarkOutboxPendingAsync(change.IncidentId, ct);
        await store.WriteAsync(change, ct);
        if (!change.LeaveIncidentRow) writes.Wrote(change.Incident);
        if (change.Actions.Count > 0)
            await signal.OwedAsync(change.Incident, change.Actions.Select(a => a.Kind), ct);
        log.LogDebug("Committed {IncidentId}: {Entries} entries, {Actions} actions", change.IncidentId,
            change.Entries.Count, change.Actions.Count);
    }
}

/// <summary>
/// The incident rows this instance wrote last (ETag by id), so a writer holding a cached view of an incident (intake's
/// group commit) can tell that another writer here changed it since; other instances' writes are not seen here.
/// Bounded.
/// </summary>
public sealed class IncidentWrites
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, ETag> _written = new(StringComparer.Ordinal);

    public void Wrote(IncidentRecord incident)
    {
        // forgetting only costs a reread after the view's trust expires
        if (_written.Count >= MaxEntries) _written.Clear();
        _written[incident.Id] = incident.ETag;
    }

    /// <summary>
    /// Whether this instance wrote the incident's row since <paramref name="seen"/> was read or written.
    /// </summary>
    public bool WrittenSince(IncidentRecord seen) => _written.TryGetValue(seen.Id, out var etag) && etag != seen.ETag;
}
