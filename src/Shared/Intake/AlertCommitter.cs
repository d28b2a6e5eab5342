using System.Collections.Concurrent;
using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Intake;

/// <summary>How the committer filed one alert.</summary>
public enum FiledAs
{
    /// <summary>Recorded on the incident (<see cref="Filed.Outcome"/> says how).</summary>
    Recorded,
    /// <summary>Its alert row already records this delivery (a redelivery, or older news).</summary>
    Duplicate,
    /// <summary>The incident does not take it (<see cref="Filed.Why"/>): the ingestor routes it on.</summary>
    Reroute,
}

/// <summary>Why the committer sent an alert back to routing.</summary>
public enum RerouteReason
{
    /// <summary>
    /// There is no such incident, and this alert may not open it (not a firing, or not allowed to create).
    /// </summary>
    NotCreated,
    /// <summary>The incident is another group's (<see cref="AlertVerdict.Stranger"/>).</summary>
    Stranger,
    /// <summary>A resolution the incident no longer takes (<see cref="AlertVerdict.Ignored"/>).</summary>
    Ignored,
    /// <summary>A firing the incident no longer takes (<see cref="AlertVerdict.OpensNew"/>).</summary>
    OpensNew,
}

/// <summary>
/// The committer's answer for one alert; <see cref="Incident"/> is the incident as committed (for the routing cache).
/// </summary>
public sealed record Filed(FiledAs As, string IncidentId, string Outcome, IncidentRecord? Incident = null,
    RerouteReason? Why = null)
{
    public static Filed Reroute(string incidentId, RerouteReason why) => new(FiledAs.Reroute, incidentId, "", Why: why);
}

/// <summary>
/// Group commit of alerts into one incident. Every alert bound for an incident joins that incident's queue;
/// whoever holds the incident's lock (<see cref="IncidentLocks"/>) takes everything queued and writes it as
/// few entity-group transactions as the limits allow (≤ <see cref="IncidentStore.MaxOperations"/> operations,
/// ≤ ~4 MB each): the incident row once, plus each alert's row and timeline entries. Whether the incident takes each
/// alert is the lifecycle's judgement (<see cref="IncidentLifecycle.Judge"/>), made here once per alert against the
/// incident as the lock holder knows it; an alert it does not take is answered <see cref="FiledAs.Reroute"/>.
/// A storm of 16 concurrent alerts into one incident is one transaction, not 16 racing for one ETag.
/// <para>
/// Another firing of an alert that is already firing (a repeat) is counted on its alert row alone: a batch of only
/// repeats leaves the incident row as it is, so a storm of repeats costs one single-row write each, and refreshes the
/// incident's last alert time at most once per <see cref="IncidentLifecycle.RepeatRefresh"/>.
/// </para>
/// <para>
/// The lock holder keeps the incident row (with its ETag) and each alert row's state and ETag, so an append needs no
/// read, and every row is written under the ETag it was read with. Another instance's write shows up as a 412 (or 409):
/// the committer rereads the incident row, the alert states when <see cref="IncidentRecord.AlertsVersion"/> moved (else
/// the rows of the batch's alerts), reapplies the batch and retries with jitter; after the conflict budget
/// (<see cref="ConflictRetry"/>) of lost races in a row the alerts fail with <see cref="IncidentBusyException"/> (503 +
/// Retry-After to the sender, who retries: the alert rows make that safe, see <see cref="AlertRowState.Judge"/>).
/// </para>
/// </summary>
public sealed class AlertCommitter(
    IncidentStore store,
    IncidentCommits commits,
    IncidentWrites writes,
    IncidentIndex index,
    IncidentLocks locks,
    ConflictRetry retry,
    IOptions<AutoResponderOptions> options,
    TimeProvider time,
    ILogger<AlertCommitter> log)
{
    /// <summary>
    /// How long the lock holder trusts its view of the incident row (changed on another instance, e.g. mitigated)
    /// before rereading it.
    /// </summary>
    public static readonly TimeSpan ViewTrust = TimeSpan.FromSeconds(5);
    /// <summary>Well below the 4 MB a transaction may carry: alert rows hold labels, timeline entries titles.</summary>
    private const int MaxTransactionBytes = 3 * 1024 * 1024;
    private const int MaxLanes = 1000;

    private sealed class Pending(Alert alert, AlertKeys keys, bool mayCreate)
    {
        public Alert Alert { get; } = alert;
        public AlertKeys Keys { get; } = keys;
        public bool MayCreate { get; } = mayCreate;
        public TaskCompletionSource<Filed> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        /// <summary>Rough size of what this alert writes (alert row + timeline entry).</summary>
        public int Bytes => 1024
            + 2 * (Alert.Title.Length * 2 + Alert.Labels.Sum(l => l.Key.Length + l.Value.Length + 8));
    }

    /// <summary>
    /// What the lock holder knows about an incident: its row as last committed (null: not created yet) and its alert
    /// rows' states.
    /// </summary>
    private sealed record State(IncidentRecord? Incident, Dictionary<string, AlertRowState> Alerts,
        DateTimeOffset ReadAt);

    private sealed class Lane
    {
        public ConcurrentQueue<Pending> Queue { get; } = new();
        public State? State { get; set; }
    }

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>
    /// Files <paramref name="alert"/> into <paramref name="incidentId"/>, creating it from this alert if it does not
    /// exist and <paramref name="mayCreate"/>.
    /// </summary>
    public async Task<Filed> SubmitAsync(string incidentId, Alert alert, AlertKeys keys, bool mayCreate,
        CancellationToken ct)
    {
        if (_lanes.Count > MaxLanes)
            foreach (var (id, idle) in _lanes)
                if (idle.Queue.IsEmpty) _lanes.TryRemove(id, out _); // a caller still holding it drains its own queue
        var lane = _lanes.GetOrAdd(incidentId, _ => new Lane());
        var item = new Pending(alert, keys, mayCreate);
        lane.Queue.Enqueue(item);
        using (await locks.AcquireAsync(incidentId, ct))
        {
            if (!item.Done.Task.IsCompleted)
            {
                var batch = new List<Pending>();
                while (lane.Queue.TryDequeue(out var next)) batch.Add(next);
                // The batch belongs to every caller in it: one caller giving up must not fail the others.
                try { await CommitAsync(incidentId, lane, batch, CancellationToken.None); }
                catch (Exception e)
                {
                    lane.State = null;
                    foreach (var p in batch) p.Done.TrySetException(e);
                }
            }
        }
        return await item.Done.Task.WaitAsync(ct);
    }

    private async Task CommitAsync(string incidentId, Lane lane, List<Pending> batch, CancellationToken ct)
    {
        var settings = options.Value;
        var remaining = batch;
        var conflicts = 0;
        while (remaining.Count > 0)
        {
            var now = time.GetUtcNow();
            var state = lane.State ??= await LoadAsync(incidentId, null, [], ct);
            // A repeat writes only its alert row, so nothing else would notice that the incident changed (say,
            // mitigated): reread the row when this instance wrote it since, or when the view is older than ViewTrust
            // (other instances).
            if (state.Incident is { } seen && (writes.WrittenSince(seen) || now - state.ReadAt > ViewTrust))
                state = lane.State = await LoadAsync(incidentId, state, [], ct);
            var chunk = Build(incidentId, state, remaining, settings, now, int.MaxValue);
            if (chunk.Overflow is { } fits)
                chunk = Build(incidentId, state, remaining, settings, now, Math.Max(1, fits));
            foreach (var (p, filed) in chunk.Answered) p.Done.TrySetResult(filed);
            remaining = remaining.Where(p => !p.Done.Task.IsCompleted && !chunk.Applied.Any(a => a.Item == p)).ToList();
            if (chunk.Change is not { } change)
            {
                // Everything seen was answered without a write. "Not created yet" is not kept: another writer may open
                // the incident any moment, and the next alert for it must see that (a resolution waits for its firing).
                if (state.Incident is null) lane.State = null;
                continue;
            }

            try
            {
                // a hint written first; listings check the row
                if (change.IsNew) await index.MarkActiveAsync(change.Incident, ct);
                await commits.CommitAsync(change, ct);
            }
            catch (IncidentConcurrencyException)
            {
                remaining = chunk.Applied.Select(a => a.Item).Concat(remaining).ToList();
                if (retry.GivesUp(++conflicts))
                {
                    log.LogWarning(
                        "Incident {IncidentId} lost {Conflicts} races in a row; {Alerts} alerts answered busy",
                        incidentId, conflicts, remaining.Count);
                    lane.State = null;
                    foreach (var p in remaining) p.Done.TrySetException(new IncidentBusyException(incidentId));
                    return;
                }
                lane.State = await LoadAsync(incidentId, state, chunk.Applied.Select(a => a.Item.Keys.Alert), ct);
                await Task.Delay(ConflictRetry.Jitter(conflicts), ct); // so instances stop colliding
                continue;
            }

            conflicts = 0;
            var alerts = state.Alerts;
            // the last write of each row holds its new ETag
            foreach (var row in change.AlertRows) alerts[IncidentRows.AlertHash(row.RowKey)] = AlertRowState.Of(row);
            lane.State = new State(change.Incident, alerts, change.LeaveIncidentRow ? state.ReadAt : now);
            var committed = change.Incident.Clone(); // shared by the answers (routing caches), never changed again
            foreach (var (p, outcome) in chunk.Applied)
                p.Done.TrySetResult(new Filed(FiledAs.Recorded, incidentId, outcome, committed));
            log.LogDebug("Group commit into {IncidentId}: {Alerts} alerts in one transaction", incidentId,
                chunk.Applied.Count);
        }
    }

    private sealed record Chunk(
        IncidentChange? Change,
        List<(Pending Item, string Outcome)> Applied,
        List<(Pending Item, Filed Filed)> Answered,
        int? Overflow);

    /// <summary>
    /// Applies the waiting alerts, in order, to a copy of the incident until the transaction is full. Alerts the
    /// incident does not take, and deliveries their alert row already records, are answered without a write.
    /// <see cref="Chunk.Overflow"/>: the limits were passed by alert number N; build again taking N − 1.
    /// </summary>
    private Chunk Build(string incidentId, State state, List<Pending> waiting, AutoResponderOptions settings,
        DateTimeOffset now, int maxApplied)
    {
        IncidentChange? change = null;
        var writesIncident = false;
        var applied = new List<(Pending, string)>();
        var answered = new List<(Pending, Filed)>();
        // alert rows as this chunk leaves them (ETag: as read)
        var inChunk = new Dictionary<string, AlertRowState>(StringComparer.Ordinal);
        var bytes = 0;
        foreach (var p in waiting)
        {
            if (applied.Count >= maxApplied) break;
            AlertRowState? known = inChunk.TryGetValue(p.Keys.Alert, out var s)
                ? s : state.Alerts.TryGetValue(p.Keys.Alert, out var c) ? c : null;
            if (change is null && state.Incident is null)
            {
                if (!p.MayCreate || p.Alert.Status != AlertStatus.Firing)
                {
                    answered.Add((p, Filed.Reroute(incidentId, RerouteReason.NotCreated)));
                    continue;
                }
                change = IncidentLifecycle.Open(incidentId, p.Alert, p.Keys, now);
                writesIncident = true;
                applied.Add((p, IngestOutcomes.Of(AlertOutcome.Opened)));
            }
            else
            {
                change ??= new IncidentChange(state.Incident!.Clone(), isNew: false);
                var verdict = IncidentLifecycle.Judge(change.Incident, p.Keys, p.Alert, known, settings, now);
                switch (verdict)
                {
                    case AlertVerdict.Stranger:
                        // The id is another group's incident (a collision, or a stale pointer): never filed there.
                        // Routing finds the pointer leads to a stranger and draws a fresh id.
                        log.LogWarning(
                            "Incident {IncidentId} belongs to another group; alert {Fingerprint} routed again",
                            incidentId, p.Alert.Fingerprint);
                        answered.Add((p, Filed.Reroute(incidentId, RerouteReason.Stranger)));
                        continue;
                    case AlertVerdict.Ignored:
                        answered.Add((p, Filed.Reroute(incidentId, RerouteReason.Ignored)));
                        continue;
                    case AlertVerdict.OpensNew:
                        answered.Add((p, Filed.Reroute(incidentId, RerouteReason.OpensNew)));
                        continue;
                    case AlertVerdict.Duplicate:
                        answered.Add((p, new Filed(FiledAs.Duplicate, incidentId, IngestOutcomes.Duplicate)));
                        continue;
                    case AlertVerdict.Repeat:
                        IncidentLifecycle.CountRepeat(change, p.Alert, p.Keys, known, now);
                        applied.Add((p, IngestOutcomes.Appended));
                        break;
                    default:
                        applied.Add((p, IngestOutcomes.Of(IncidentLifecycle.ApplyAlert(change, p.Alert, p.Keys, known,
                            settings, now))));
                        writesIncident = true;
                        break;
                }
            }
            var row = change.AlertRows[^1];
            inChunk[p.Keys.Alert] = AlertRowState.Of(row) with { ETag = known?.ETag ?? default };
            bytes += p.Bytes;
            if (applied.Count > 1 && (bytes > MaxTransactionBytes
                || commits.OperationCount(change) > IncidentStore.MaxOperations))
                return new Chunk(null, [], [], applied.Count - 1);
        }
        if (change is not null && applied.Count == 0) change = null;
        if (change is not null) change.LeaveIncidentRow = !writesIncident;
        return new Chunk(change, applied, answered, null);
    }

    /// <summary>
    /// Reads the incident row, and its alerts' states unless <paramref name="known"/> still has them (same alerts
    /// version); then only the rows of <paramref name="recheck"/> are reread (a repeat moves an alert row, not the
    /// version).
    /// </summary>
    private async Task<State> LoadAsync(string incidentId, State? known, IEnumerable<string> recheck,
        CancellationToken ct)
    {
        var incident = await store.FindAsync(incidentId, ct);
        var readAt = time.GetUtcNow();
        if (incident is null) return new State(null, new Dictionary<string, AlertRowState>(StringComparer.Ordinal),
            readAt);
        if (known?.Incident is not { } before || before.AlertsVersion != incident.AlertsVersion)
            return new State(incident, await store.ReadAlertStatesAsync(incidentId, ct), readAt);
        var hashes = recheck.Distinct(StringComparer.Ordinal).ToList();
        var rows = await Task.WhenAll(hashes.Select(h => store.FindAlertAsync(incidentId, h, ct)));
        for (var i = 0; i < hashes.Count; i++)
            if (rows[i] is { } row) known.Alerts[hashes[i]] = AlertRowState.Of(row);
            else known.Alerts.Remove(hashes[i]);
        return known with { Incident = incident, ReadAt = readAt };
    }
}
