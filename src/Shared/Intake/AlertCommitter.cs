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
    /// <summary>Its occurrence marker existed: this exact delivery was recorded before.</summary>
    Duplicate,
    /// <summary>The incident no longer takes it (closed, resolved too long ago, or never created): route again.</summary>
    Reroute,
}

/// <summary>The committer's answer for one alert; <see cref="Incident"/> is the incident as committed (for the routing cache).</summary>
public sealed record Filed(FiledAs As, string IncidentId, string Outcome, IncidentRecord? Incident = null);

/// <summary>
/// Group commit of alerts into one incident. Every alert bound for an incident joins that incident's queue;
/// whoever holds the incident's lock (<see cref="IncidentLocks"/>) takes everything queued and writes it as
/// few entity-group transactions as the limits allow (≤ <see cref="IncidentStore.MaxOperations"/> operations,
/// ≤ ~4 MB each): the incident row once, plus each alert's occurrence marker, alert row and timeline entries.
/// A storm of 16 concurrent alerts into one incident is one transaction, not 16 racing for one ETag.
/// <para>
/// The lock holder keeps the incident row (with its ETag) and whether each alert is firing, so an append needs no
/// read. Another instance's write shows up as a 412: the committer rereads the row (and the alert states when
/// <see cref="IncidentRecord.AlertsVersion"/> moved), reapplies the batch and retries with jitter; after
/// <see cref="MaxConflicts"/> lost races in a row the alerts fail with <see cref="IncidentBusyException"/> (503 +
/// Retry-After to the sender, who retries: the occurrence markers make that safe).
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

    /// <summary>What the lock holder knows about an incident: its row as last committed (null: not created yet) and its alerts' states.</summary>
    private sealed record State(IncidentRecord? Incident, Dictionary<string, bool> Alerts);

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
            var state = lane.State ??= await LoadAsync(incidentId, null, ct);
            var now = time.GetUtcNow();
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
            catch (DuplicateDeliveryException e)
            {
                var seen = chunk.Applied.First(a => a.Item.Keys.OccurrenceRowKey == e.OccurrenceRowKey).Item;
                seen.Done.TrySetResult(new Filed(FiledAs.Duplicate, incidentId, IngestOutcomes.Duplicate));
                remaining = chunk.Applied.Select(a => a.Item).Where(p => p != seen).Concat(remaining).ToList();
                continue; // nothing was written: rebuild without it
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
                lane.State = await LoadAsync(incidentId, state, ct);
                await Task.Delay(Random.Shared.Next(2, 10 * conflicts), ct); // jitter, so instances stop colliding
                continue;
            }

            conflicts = 0;
            var alerts = state.Alerts;
            foreach (var (hash, firing) in chunk.AlertStates) alerts[hash] = firing;
            lane.State = new State(change.Incident, alerts);
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
        Dictionary<string, bool> AlertStates,
        int? Overflow);

    /// <summary>
    /// Applies the waiting alerts, in order, to a copy of the incident until the transaction is full. Alerts the
    /// incident does not take (or repeats of an occurrence already in the chunk) are answered without a write.
    /// <see cref="Chunk.Overflow"/>: the limits were passed by alert number N; build again taking N − 1.
    /// </summary>
    private Chunk Build(string incidentId, State state, List<Pending> waiting, AutoResponderOptions settings, DateTimeOffset now, int maxApplied)
    {
        IncidentChange? change = null;
        var applied = new List<(Pending, string)>();
        var answered = new List<(Pending, Filed)>();
        var alertStates = new Dictionary<string, bool>(StringComparer.Ordinal);
        var bytes = 0;
        foreach (var p in waiting)
        {
            if (applied.Count >= maxApplied) break;
            if (change is null && state.Incident is null)
            {
                if (!p.MayCreate || p.Alert.Status != AlertStatus.Firing)
                {
                    answered.Add((p, new Filed(FiledAs.Reroute, incidentId, "")));
                    continue;
                }
                change = IncidentLifecycle.Open(incidentId, p.Alert, p.Keys, now);
                applied.Add((p, IngestOutcomes.Opened));
                alertStates[p.Keys.Alert] = true;
                bytes += p.Bytes;
                continue;
            }
            change ??= new IncidentChange(state.Incident!.Clone(), isNew: false);
            if (change.Occurrences.Contains(p.Keys.OccurrenceRowKey))
            {
                answered.Add((p, new Filed(FiledAs.Duplicate, incidentId, IngestOutcomes.Duplicate)));
                continue;
            }
            if (!Takes(change.Incident, p.Alert, settings, now))
            {
                answered.Add((p, new Filed(FiledAs.Reroute, incidentId, "")));
                continue;
            }
            bool? known = alertStates.TryGetValue(p.Keys.Alert, out var s) ? s : state.Alerts.TryGetValue(p.Keys.Alert, out var c) ? c : null;
            var outcome = IncidentLifecycle.ApplyAlert(change, p.Alert, p.Keys, known, settings, now);
            applied.Add((p, outcome));
            alertStates[p.Keys.Alert] = p.Alert.Status == AlertStatus.Firing;
            bytes += p.Bytes;
            if (applied.Count > 1 && (bytes > MaxTransactionBytes || store.OperationCount(change) > IncidentStore.MaxOperations))
                return new Chunk(null, [], [], alertStates, applied.Count - 1);
        }
        if (change is not null && applied.Count == 0) change = null;
        return new Chunk(change, applied, answered, alertStates, null);
    }

    /// <summary>
    /// Whether the incident takes this alert now: a live incident takes everything; a resolved one takes
    /// resolutions and, within the reopen window, firings (which reopen it); a closed one nothing.
    /// </summary>
    public static bool Takes(IncidentRecord incident, Alert alert, AutoResponderOptions settings, DateTimeOffset now) =>
        incident.Status.IsLive() ||
        (incident.Status == IncidentStatus.Resolved && (alert.Status == AlertStatus.Resolved ||
            (settings.ReopenWindowMinutes > 0 && now - incident.ResolvedAt <= TimeSpan.FromMinutes(settings.ReopenWindowMinutes))));

    /// <summary>Reads the incident row, and its alerts' states unless <paramref name="known"/> still has them (same alerts version).</summary>
    private async Task<State> LoadAsync(string incidentId, State? known, CancellationToken ct)
    {
        var incident = await store.FindAsync(incidentId, ct);
        if (incident is null) return new State(null, new Dictionary<string, bool>(StringComparer.Ordinal));
        if (known?.Incident is { } before && before.AlertsVersion == incident.AlertsVersion) return known with { Incident = incident };
        return new State(incident, await store.ReadAlertStatesAsync(incidentId, ct));
    }
}
