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
    /// <summary>The incident does not take it (closed, resolved too long ago, never created, or another group's): route again.</summary>
    Reroute,
}

/// <summary>The committer's answer for one alert; <see cref="Incident"/> is the incident as committed (for the routing cache).</summary>
public sealed record Filed(FiledAs As, string IncidentId, string Outcome, IncidentRecord? Incident = null);

/// <summary>
/// Group commit of alerts into one incident. Every alert bound for an incident joins that incident's queue;
/// whoever holds the incident's lock (<see cref="IncidentLocks"/>) takes everything queued and writes it as
/// few entity-group transactions as the limits allow (≤ <see cref="IncidentStore.MaxOperations"/> operations,
/// ≤ ~4 MB each): the incident row once, plus each alert's row and timeline entries.
/// A storm of 16 concurrent alerts into one incident is one transaction, not 16 racing for one ETag.
/// <para>
/// Another firing of an alert that is already firing (a repeat) is counted on its alert row alone: a batch of only
/// repeats leaves the incident row as it is, so a storm of repeats costs one single-row write each, and refreshes the
/// incident's last alert time at most once per <see cref="RepeatRefresh"/>.
/// </para>
/// <para>
/// The lock holder keeps the incident row (with its ETag) and each alert row's state and ETag, so an append needs no
/// read, and every row is written under the ETag it was read with. Another instance's write shows up as a 412 (or 409):
/// the committer rereads the incident row, the alert states when <see cref="IncidentRecord.AlertsVersion"/> moved (else
/// the rows of the batch's alerts), reapplies the batch and retries with jitter; after <see cref="MaxConflicts"/> lost
/// races in a row the alerts fail with <see cref="IncidentBusyException"/> (503 + Retry-After to the sender, who retries:
/// the alert rows make that safe, see <see cref="AlertRowState.Judge"/>).
/// </para>
/// </summary>
public sealed class AlertCommitter(
    IncidentStore store,
    IncidentIndex index,
    IncidentLocks locks,
    IOptions<AutoResponderOptions> options,
    TimeProvider time,
    ILogger<AlertCommitter> log)
{
    public const int MaxConflicts = 8;
    /// <summary>How stale a repeat may find the incident's last alert time before it refreshes it (writing the incident row).</summary>
    public static readonly TimeSpan RepeatRefresh = TimeSpan.FromMinutes(1);
    /// <summary>How long the lock holder trusts its view of the incident row (changed on another instance, e.g. mitigated) before rereading it.</summary>
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
        public int Bytes => 1024 + 2 * (Alert.Title.Length * 2 + Alert.Labels.Sum(l => l.Key.Length + l.Value.Length + 8));
    }

    /// <summary>What the lock holder knows about an incident: its row as last committed (null: not created yet) and its alert rows' states.</summary>
    private sealed record State(IncidentRecord? Incident, Dictionary<string, AlertRowState> Alerts, DateTimeOffset ReadAt);

    private sealed class Lane
    {
        public ConcurrentQueue<Pending> Queue { get; } = new();
        public State? State { get; set; }
    }

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Files <paramref name="alert"/> into <paramref name="incidentId"/>, creating it from this alert if it does not exist and <paramref name="mayCreate"/>.</summary>
    public async Task<Filed> SubmitAsync(string incidentId, Alert alert, AlertKeys keys, bool mayCreate, CancellationToken ct)
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
            // A repeat writes only its alert row, so nothing else would notice that the incident changed (say, mitigated):
            // reread the row when this instance wrote it since, or when the view is older than ViewTrust (other instances).
            if (state.Incident is { } seen && (store.WrittenSince(seen) || now - state.ReadAt > ViewTrust))
                state = lane.State = await LoadAsync(incidentId, state, [], ct);
            var chunk = Build(incidentId, state, remaining, settings, now, int.MaxValue);
            if (chunk.Overflow is { } fits) chunk = Build(incidentId, state, remaining, settings, now, Math.Max(1, fits));
            foreach (var (p, filed) in chunk.Answered) p.Done.TrySetResult(filed);
            remaining = remaining.Where(p => !p.Done.Task.IsCompleted && !chunk.Applied.Any(a => a.Item == p)).ToList();
            if (chunk.Change is not { } change) continue; // everything seen was answered without a write

            try
            {
                if (change.IsNew) await index.MarkActiveAsync(change.Incident, ct); // a hint written first; listings check the row
                await store.CommitAsync(change, ct);
            }
            catch (IncidentConcurrencyException)
            {
                remaining = chunk.Applied.Select(a => a.Item).Concat(remaining).ToList();
                if (++conflicts > MaxConflicts)
                {
                    log.LogWarning("Incident {IncidentId} lost {Conflicts} races in a row; {Alerts} alerts answered busy", incidentId, conflicts, remaining.Count);
                    lane.State = null;
                    foreach (var p in remaining) p.Done.TrySetException(new IncidentBusyException(incidentId));
                    return;
                }
                lane.State = await LoadAsync(incidentId, state, chunk.Applied.Select(a => a.Item.Keys.Alert), ct);
                await Task.Delay(Random.Shared.Next(2, 10 * conflicts), ct); // jitter, so instances stop colliding
                continue;
            }

            conflicts = 0;
            var alerts = state.Alerts;
            foreach (var row in change.AlertRows) alerts[row.RowKey[AlertRecord.Prefix.Length..]] = AlertRowState.Of(row); // the last write of each row holds its new ETag
            lane.State = new State(change.Incident, alerts, change.LeaveIncidentRow ? state.ReadAt : now);
            var committed = change.Incident.Clone(); // shared by the answers (routing caches), never changed again
            foreach (var (p, outcome) in chunk.Applied)
                p.Done.TrySetResult(new Filed(FiledAs.Recorded, incidentId, outcome, committed));
            log.LogDebug("Group commit into {IncidentId}: {Alerts} alerts in one transaction", incidentId, chunk.Applied.Count);
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
    private Chunk Build(string incidentId, State state, List<Pending> waiting, AutoResponderOptions settings, DateTimeOffset now, int maxApplied)
    {
        IncidentChange? change = null;
        var writesIncident = false;
        var applied = new List<(Pending, string)>();
        var answered = new List<(Pending, Filed)>();
        var inChunk = new Dictionary<string, AlertRowState>(StringComparer.Ordinal); // alert rows as this chunk leaves them (ETag: as read)
        var bytes = 0;
        foreach (var p in waiting)
        {
            if (applied.Count >= maxApplied) break;
            AlertRowState? known = inChunk.TryGetValue(p.Keys.Alert, out var s) ? s : state.Alerts.TryGetValue(p.Keys.Alert, out var c) ? c : null;
            if (change is null && state.Incident is null)
            {
                if (!p.MayCreate || p.Alert.Status != AlertStatus.Firing)
                {
                    answered.Add((p, new Filed(FiledAs.Reroute, incidentId, "")));
                    continue;
                }
                change = IncidentLifecycle.Open(incidentId, p.Alert, p.Keys, now);
                writesIncident = true;
                applied.Add((p, IngestOutcomes.Opened));
            }
            else
            {
                change ??= new IncidentChange(state.Incident!.Clone(), isNew: false);
                if (!IncidentLifecycle.BelongsTo(change.Incident, p.Keys))
                {
                    // The id is another group's incident (a collision, or a stale pointer): never filed there. Routing
                    // finds the pointer leads to a stranger and draws a fresh id.
                    log.LogWarning("Incident {IncidentId} belongs to another group; alert {Fingerprint} routed again", incidentId, p.Alert.Fingerprint);
                    answered.Add((p, new Filed(FiledAs.Reroute, incidentId, "")));
                    continue;
                }
                var news = AlertRowState.Judge(known, p.Alert);
                if (news == AlertNews.Duplicate)
                {
                    answered.Add((p, new Filed(FiledAs.Duplicate, incidentId, IngestOutcomes.Duplicate)));
                    continue;
                }
                if (!Takes(change.Incident, p.Alert, settings, now))
                {
                    answered.Add((p, new Filed(FiledAs.Reroute, incidentId, "")));
                    continue;
                }
                if (news == AlertNews.Repeat && IncidentLifecycle.RepeatLeavesIncident(change.Incident, p.Alert, RepeatRefresh, now))
                {
                    change.AlertRows.Add(p.Keys.ToRecord(incidentId, p.Alert, now, known));
                    applied.Add((p, IngestOutcomes.Appended));
                }
                else
                {
                    applied.Add((p, IncidentLifecycle.ApplyAlert(change, p.Alert, p.Keys, known, settings, now)));
                    writesIncident = true;
                }
            }
            var row = change.AlertRows[^1];
            inChunk[p.Keys.Alert] = AlertRowState.Of(row) with { ETag = known?.ETag ?? default };
            bytes += p.Bytes;
            if (applied.Count > 1 && (bytes > MaxTransactionBytes || store.OperationCount(change) > IncidentStore.MaxOperations))
                return new Chunk(null, [], [], applied.Count - 1);
        }
        if (change is not null && applied.Count == 0) change = null;
        if (change is not null) change.LeaveIncidentRow = !writesIncident;
        return new Chunk(change, applied, answered, null);
    }

    /// <summary>
    /// Whether the incident takes this alert now: a live incident takes everything; a resolved one takes
    /// resolutions and, within the reopen window, firings (which reopen it); a closed one nothing.
    /// </summary>
    public static bool Takes(IncidentRecord incident, Alert alert, AutoResponderOptions settings, DateTimeOffset now) =>
        incident.Status.IsLive() ||
        (incident.Status == IncidentStatus.Resolved && (alert.Status == AlertStatus.Resolved ||
            (settings.ReopenWindowMinutes > 0 && now - incident.ResolvedAt <= TimeSpan.FromMinutes(settings.ReopenWindowMinutes))));

    /// <summary>
    /// Reads the incident row, and its alerts' states unless <paramref name="known"/> still has them (same alerts version);
    /// then only the rows of <paramref name="recheck"/> are reread (a repeat moves an alert row, not the version).
    /// </summary>
    private async Task<State> LoadAsync(string incidentId, State? known, IEnumerable<string> recheck, CancellationToken ct)
    {
        var incident = await store.FindAsync(incidentId, ct);
        var readAt = time.GetUtcNow();
        if (incident is null) return new State(null, new Dictionary<string, AlertRowState>(StringComparer.Ordinal), readAt);
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
