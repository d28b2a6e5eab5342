using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Outbox;

/// <summary>
/// Carries out an incident's outbox actions in the order they were owed (per lane, see <see cref="OutboxKind.Lane"/>).
/// Each action is leased (so two runners never execute it together), executed by its registered handler, and then
/// either marked done together with the results it recorded in its feature's state rows, retried later with exponential
/// backoff, or — after <see cref="OutboxOptions.MaxAttempts"/> — parked as failed with a timeline entry and an error
/// log. A dependency outage (<see cref="DependencyOutage"/>) is retried with capped backoff (or after the Retry-After
/// it was answered with) and never parks. A first-notice run (<see cref="SignalLane.FirstNotice"/>) runs only the first
/// notices, so it is never held up by follow-up work; any other run does everything due.
/// An action whose kind has no handler yet waits, visibly, without spending attempts.
/// </summary>
public sealed class OutboxRunner(
    IncidentStore store,
    IncidentCommits commits,
    IncidentIndex index,
    OutboxHandlers handlers,
    IOutboxSignal signal,
    OutboxLanes lanes,
    IOptions<AutoResponderOptions> options,
    TimeProvider time,
    ILogger<OutboxRunner> log)
{
    /// <summary>Runs everything of the incident that is due (a follow-up signal, the sweep, a test).</summary>
    public Task RunAsync(string incidentId, CancellationToken ct) => RunAsync(incidentId, SignalLane.FollowUp, ct);

    public async Task RunAsync(string incidentId, SignalLane signalLane, CancellationToken ct)
    {
        // A finished action may owe further actions (an impact snapshot owes its delivery): look again,
        // a bounded number of times, so they run now rather than at the next signal or sweep. A first notice owes no
        // further first notice (what it owes is follow-up work, signalled on its own lane): one pass, two reads fewer
        // each.
        var passes = signalLane == SignalLane.FirstNotice ? 1 : 5;
        for (var pass = 0; pass < passes; pass++)
            if (!await RunPassAsync(incidentId, signalLane, ct)) return;
    }

    /// <summary>One pass over the incident's open actions; true when it finished at least one (look again).</summary>
    private async Task<bool> RunPassAsync(string incidentId, SignalLane signalLane, CancellationToken ct)
    {
        var marker = await index.GetOutboxPendingAsync(incidentId, ct);
        var open = 0;
        var finished = false;
        var blockedLanes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in await store.GetOpenActionsAsync(incidentId, ct))
        {
            var lane = OutboxKind.LaneOf(action.Kind);
            if (blockedLanes.Contains(lane)) { open++; continue; } // keep the order within a lane
            if (signalLane == SignalLane.FirstNotice && !lanes.IsFirstNotice(action.Kind))
            {
                open++;
                blockedLanes.Add(lane); // follow-up work is not this run's; nothing later in its lane overtakes it
                continue;
            }
            if (!handlers.TryGet(action.Kind, out var handler))
            {
                open++;
                await NoteWaitingAsync(action, ct);
                continue; // other kinds need not wait behind one nobody can run yet
            }
            var now = time.GetUtcNow();
            if (action.WaitsForItsTime(now)) { open++; continue; } // owed for later: its lane goes on without it
            var ran = action.NextAttemptAt <= now && !(action.Status == OutboxStatus.Running && action.LeaseUntil > now)
                && await TryLeaseAsync(action, now, ct) is { } leased
                && await ExecuteAsync(leased, handler, ct);
            if (ran) { finished = true; continue; }
            // Not due, held by another runner, or failed and retrying: its lane waits (its retry signal or the sweep
            // comes back).
            blockedLanes.Add(lane);
            open++;
        }
        if (open == 0 && marker is not null) await index.ClearOutboxPendingAsync(marker, ct);
        return finished;
    }

    /// <summary>True when the action is finished (done or parked) and the next one may run.</summary>
    private async Task<bool> ExecuteAsync(OutboxAction action, IOutboxHandler handler, CancellationToken ct)
    {
        var incident = await store.FindAsync(action.IncidentId, ct);
        if (incident is null) return false;
        OutboxOutcome outcome;
        Exception? failure = null;
        using (var renewing = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var renewal = RenewLeaseAsync(action, renewing.Token); // a long export must not be taken over mid-way
            try
            {
                outcome = await handler.ExecuteAsync(new OutboxContext(action, incident), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                outcome = OutboxOutcome.Done();
                failure = e;
            }
            finally
            {
                await renewing.CancelAsync();
                await renewal; // the row's ETag is ours again before we write the result
            }
        }
        if (failure is not null) return await RecordFailureAsync(action, incident, failure, ct);
        await RecordSuccessAsync(action, incident, outcome, ct);
        return true;
    }

    /// <summary>
    /// Extends the lease every third of its length until the handler finishes. A renewal that fails on a transient error
    /// is tried again a third later (the lease still has two thirds to run); only a lease taken over by another runner
    /// (412) ends the renewals. Never throws: the handler's outcome is recorded whatever happened here.
    /// </summary>
    private async Task RenewLeaseAsync(OutboxAction action, CancellationToken stop)
    {
        var lease = TimeSpan.FromSeconds(options.Value.Outbox.LeaseSeconds);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(lease / 3, time, stop);
                action.LeaseUntil = time.GetUtcNow() + lease;
                await store.SaveActionAsync(action, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                log.LogWarning("The lease of outbox {Kind} for {IncidentId} was taken over", action.Kind, action.IncidentId);
                return;
            }
            catch (Exception e)
            {
                log.LogWarning(e, "Could not renew the lease of outbox {Kind} for {IncidentId}; trying again",
                    action.Kind, action.IncidentId);
            }
        }
    }

    private async Task RecordSuccessAsync(OutboxAction action, IncidentRecord incident, OutboxOutcome outcome,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        action.Status = OutboxStatus.Done;
        action.Attempts++;
        action.CompletedAt = now;
        action.LeaseUntil = null;
        action.LastError = null;
        action.Result = outcome.Result;

        if (outcome.State is not { Count: > 0 } && outcome.Owes is not { Count: > 0 }
            && outcome.Later is not { Count: > 0 } && outcome.TimelineText is null)
        {
            await store.SaveActionAsync(action, ct);
            log.LogInformation("Outbox {Kind} done for {IncidentId}: {Result}", action.Kind, action.IncidentId,
                action.Result);
            return;
        }

        void Record(IncidentChange change)
        {
            if (outcome.TimelineText is not null)
                change.Add(now, outcome.TimelineKind, IncidentLifecycle.SystemActor, outcome.TimelineText);
            foreach (var (kind, payload) in outcome.Owes ?? [])
                change.Actions.Add(OutboxAction.Create(action.IncidentId, kind, payload, now));
            foreach (var (kind, payload, due) in outcome.Later ?? [])
                change.Actions.Add(OutboxAction.Scheduled(action.IncidentId, kind, payload, now, due));
            change.Upserts.Add(action);
        }

        try
        {
            // The result goes to the feature's own state rows; the incident row (and its ETag) is left alone.
            await commits.RecordAsync(action.IncidentId, outcome.State ?? [], Record, ct);
            // the queue brings it back on time, on its kind's own queue (a later escalation step is a first notice
            // too); the minute sweep is the fallback
            foreach (var (kind, _, due) in outcome.Later ?? [])
                if (due > now) await signal.TrySignalAsync(OutboxMessage.For(incident), lanes.LaneOf(kind), due - now, ct);
            log.LogInformation("Outbox {Kind} done for {IncidentId}: {Result}", action.Kind, action.IncidentId,
                action.Result);
        }
        catch (IncidentBusyException)
        {
            // Other writers kept winning a state row: hand the action back at once (not after its lease)
            // so the next pass records it; the handler checks what it recorded before acting again.
            action.Status = OutboxStatus.Pending;
            action.Attempts--;
            action.CompletedAt = null;
            action.NextAttemptAt = now + IncidentBusyException.RetryAfter;
            await store.SaveActionAsync(action, ct);
            log.LogWarning("Outbox {Kind} for {IncidentId} finished but the incident stayed busy; its result is " +
                "recorded on the next pass", action.Kind, action.IncidentId);
            await signal.TrySignalAsync(OutboxMessage.For(incident), lanes.LaneOf(action.Kind),
                IncidentBusyException.RetryAfter, ct);
        }
    }

    private async Task<bool> RecordFailureAsync(OutboxAction action, IncidentRecord incident, Exception error,
        CancellationToken ct)
    {
        var settings = options.Value.Outbox;
        var now = time.GetUtcNow();
        if (NotConfiguredException.In(error) is { } notConfigured)
            return await WaitNotConfiguredAsync(action, notConfigured, now, ct);
        // A dependency outage (Graph or storage down, throttled, timing out) waits without spending attempts: after
        // an hour-long Graph outage every e-mail and post still goes out, in order. Only the action's own failures
        // count.
        var outage = DependencyOutage.Is(error);
        if (outage) action.Outages++;
        else action.Attempts++;
        action.LeaseUntil = null;
        action.LastError = Truncate($"{(outage ? "Waiting for a dependency: " : "")}{error.GetType().Name}: " +
            $"{error.Message}", 1000);
        var permanent = error is PermanentOutboxException;

        if (permanent || (!outage && action.Attempts >= settings.MaxAttempts && error is not OutboxWaitException))
        {
            action.Status = OutboxStatus.Failed;
            action.CompletedAt = now;
            var change = IncidentChange.Beside(action.IncidentId);
            change.Add(now, TimelineKinds.ActionFailed, IncidentLifecycle.SystemActor,
                $"Action '{action.Kind}' failed after {action.Attempts} attempt(s) and was parked: {action.LastError}")
                    .Subject = action.Kind;
            change.Upserts.Add(action);
            await index.MarkParkedAsync(action.IncidentId, action.Id, now, ct); // before the commit: health must see it
            await commits.CommitAsync(change, ct);
            log.LogError(error, "Outbox {Kind} for {IncidentId} parked as failed after {Attempts} attempts",
                action.Kind, action.IncidentId, action.Attempts);
            return true;
        }

        // A throttled dependency (429/503 with Retry-After) said when to come back: then, not by the backoff's guess.
        var delay = outage && DependencyOutage.RetryAfter(error, now) is { } retryAfter
            ? TimeSpan.FromSeconds(Math.Clamp(retryAfter.TotalSeconds, 1, settings.MaxDelaySeconds))
            : Backoff(outage ? action.Outages : action.Attempts, settings);
        action.Status = OutboxStatus.Pending;
        action.NextAttemptAt = now + delay;
        await store.SaveActionAsync(action, ct);
        log.LogWarning(error, "Outbox {Kind} for {IncidentId} failed ({Cause} {Count}); retrying in {Delay}",
            action.Kind, action.IncidentId,
            outage ? "dependency outage" : "attempt", outage ? action.Outages : action.Attempts, delay);
        await signal.TrySignalAsync(OutboxMessage.For(incident), lanes.LaneOf(action.Kind), delay, ct);
        return false;
    }

    /// <summary>
    /// How often an action waiting on an integration that is not configured is looked at again (the sweep's minute).
    /// </summary>
    public static readonly TimeSpan NotConfiguredRecheck = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The integration the action needs is not configured (or its settings are broken): the action waits, visibly, with
    /// no attempt spent and no queue signal; the minute sweep looks again, so it goes out soon after a restart with the
    /// setting fixed. Nothing is lost and nothing is parked for it.
    /// </summary>
    private async Task<bool> WaitNotConfiguredAsync(OutboxAction action, NotConfiguredException error,
        DateTimeOffset now, CancellationToken ct)
    {
        var note = Truncate($"{NotConfiguredNote}{error.Message}", 1000);
        var first = action.LastError != note;
        action.Status = OutboxStatus.Pending;
        action.LeaseUntil = null;
        action.LastError = note;
        action.NextAttemptAt = now + NotConfiguredRecheck;
        await store.SaveActionAsync(action, ct);
        if (first) log.LogWarning("Outbox {Kind} for {IncidentId} is waiting: {Area} is not configured ({Problem})",
            action.Kind, action.IncidentId, error.Area, error.Message);
        return false;
    }

    /// <summary>How <see cref="OutboxAction.LastError"/> of an action waiting on a missing setting begins.</summary>
    public const string NotConfiguredNote = "Waiting, not configured: ";

    public static TimeSpan Backoff(int attempts, OutboxOptions settings)
    {
        var seconds = Math.Min(settings.MaxDelaySeconds,
            settings.BaseDelaySeconds * Math.Pow(2, Math.Max(0, attempts - 1)));
        return TimeSpan.FromSeconds(seconds);
    }

    private async Task<OutboxAction?> TryLeaseAsync(OutboxAction action, DateTimeOffset now, CancellationToken ct) =>
        await store.TryLeaseAsync(action, now.AddSeconds(options.Value.Outbox.LeaseSeconds), ct) ? action : null;

    private async Task NoteWaitingAsync(OutboxAction action, CancellationToken ct)
    {
        var note = $"Waiting: no handler for '{action.Kind}' is configured in this deployment.";
        if (action.LastError == note) return;
        action.LastError = note;
        await store.TrySaveActionAsync(action, ct);
        log.LogWarning("Outbox {Kind} for {IncidentId} is waiting: no handler registered", action.Kind,
            action.IncidentId);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
