using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Intake;

/// <summary>
/// Files one normalised alert: finds (or opens) its incident and records it there.
/// <list type="bullet">
/// <item>The dedup pointer (sender's dedup key, else fingerprint) says which incident the alert belongs to.</item>
/// <item>Failing that, a live incident of the same grouping key seen within the window takes it.</item>
/// <item>Otherwise a new incident: whoever claims the dedup pointer first names it; everyone else converges on that id.</item>
/// </list>
/// Redelivery is a no-op through the occurrence row written in the same transaction.
/// </summary>
public sealed class AlertIngestor(
    IncidentStore store,
    IncidentIndex index,
    IncidentCache cache,
    IncidentIds ids,
    IOptions<AutoResponderOptions> options,
    TimeProvider time,
    ILogger<AlertIngestor> log)
{
    private const int MaxAttempts = 40;
    /// <summary>How long a pointer to a not-yet-written incident is trusted before another caller takes over.</summary>
    private static readonly TimeSpan CreationGrace = TimeSpan.FromSeconds(30);

    private enum RouteKind { Append, Create, Duplicate, Ignore }
    private sealed record Route(RouteKind Kind, string? IncidentId, IncidentRecord? Incident = null);

    public async Task<IReadOnlyList<IngestResult>> IngestAsync(IReadOnlyList<Alert> alerts, CancellationToken ct)
    {
        var results = new IngestResult[alerts.Count];
        for (var i = 0; i < alerts.Count; i++) results[i] = await IngestAsync(alerts[i], ct);
        return results;
    }

    public async Task<IngestResult> IngestAsync(Alert alert, CancellationToken ct)
    {
        var settings = options.Value;
        var keys = AlertKeys.For(alert, settings.Grouping);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var route = await RouteAsync(alert, keys, settings, ct);
                var result = route.Kind switch
                {
                    RouteKind.Append => await AppendAsync(route.Incident!, alert, keys, settings, ct),
                    RouteKind.Create => await CreateAsync(route.IncidentId!, alert, keys, ct),
                    RouteKind.Duplicate => new IngestResult(route.IncidentId, IngestOutcomes.Duplicate),
                    _ => new IngestResult(route.IncidentId, IngestOutcomes.Ignored),
                };
                // Openings and reopenings are news; a storm of appends and duplicates is not (Debug).
                var level = result.Outcome is IngestOutcomes.Opened or IngestOutcomes.Reopened ? LogLevel.Information : LogLevel.Debug;
                log.Log(level, "Alert {Fingerprint} from {Source}: {Outcome} {IncidentId}", alert.Fingerprint, alert.Source, result.Outcome, result.IncidentId);
                return result;
            }
            catch (DuplicateDeliveryException e)
            {
                return new IngestResult(e.IncidentId, IngestOutcomes.Duplicate);
            }
            catch (IncidentConcurrencyException) when (attempt < MaxAttempts)
            {
                cache.Forget(keys.Dedup);
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), ct);
            }
        }
    }

    private async Task<IngestResult> AppendAsync(IncidentRecord incident, Alert alert, AlertKeys keys, AutoResponderOptions settings, CancellationToken ct)
    {
        var change = new IncidentChange(incident, isNew: false);
        var outcome = IncidentLifecycle.ApplyAlert(change, alert, keys, settings, time.GetUtcNow());
        await store.CommitAsync(change, ct);
        cache.Remember(keys.Dedup, incident);
        return new IngestResult(incident.Id, outcome);
    }

    private async Task<IngestResult> CreateAsync(string id, Alert alert, AlertKeys keys, CancellationToken ct)
    {
        var change = IncidentLifecycle.Open(id, alert, keys, time.GetUtcNow());
        await index.MarkActiveAsync(change.Incident, ct); // a hint written first; listings check the incident row
        await store.CommitAsync(change, ct);              // 409 here: someone else opened it first → retry appends
        cache.Remember(keys.Dedup, change.Incident);
        return new IngestResult(id, IngestOutcomes.Opened);
    }

    private async Task<Route> RouteAsync(Alert alert, AlertKeys keys, AutoResponderOptions settings, CancellationToken ct)
    {
        if (cache.Get(keys.Dedup) is { } cached) return new Route(RouteKind.Append, cached.Id, cached);

        var now = time.GetUtcNow();
        var dedupPartition = IncidentIndex.DedupPartition(keys.Dedup);
        var pointer = await index.GetPointerAsync(dedupPartition, ct);
        if (pointer is not null)
        {
            var incident = await store.FindAsync(pointer.IncidentId, ct);
            if (incident is null)
            {
                if (now - pointer.ClaimedAt < CreationGrace) return new Route(RouteKind.Create, pointer.IncidentId);
                // The claimer never wrote the incident (crashed): fall through and claim the pointer again.
            }
            else if (BelongsTo(incident, keys))
            {
                if (incident.Status.IsLive()) return new Route(RouteKind.Append, incident.Id, incident);
                if (alert.Status == AlertStatus.Resolved)
                    return incident.Status == IncidentStatus.Resolved
                        ? new Route(RouteKind.Append, incident.Id, incident)
                        : new Route(RouteKind.Ignore, incident.Id);
                if (await store.OccurrenceExistsAsync(incident.Id, keys.OccurrenceRowKey, ct))
                    return new Route(RouteKind.Duplicate, incident.Id);
                if (incident.Status == IncidentStatus.Resolved && settings.ReopenWindowMinutes > 0 &&
                    now - incident.ResolvedAt <= TimeSpan.FromMinutes(settings.ReopenWindowMinutes))
                    return new Route(RouteKind.Append, incident.Id, incident);
                // Resolved long ago or closed: a new firing opens a new incident.
            }
        }

        if (alert.Status == AlertStatus.Resolved) return new Route(RouteKind.Ignore, pointer?.IncidentId);

        var (joined, groupPointer) = await FindGroupIncidentAsync(keys, settings, now, ct);
        var target = joined?.Id ?? groupPointer?.IncidentId ?? ids.Next();
        if (!await index.TryClaimAsync(dedupPartition, pointer, target, now, ct))
            throw new IncidentConcurrencyException(target); // someone else claimed it: reroute

        if (joined is not null) return new Route(RouteKind.Append, joined.Id, joined);
        if (groupPointer is null && keys.Group is not null)
        {
            var seen = await index.GetPointerAsync(IncidentIndex.GroupPartition(keys.Group), ct);
            await index.TryClaimAsync(IncidentIndex.GroupPartition(keys.Group), seen, target, now, ct); // losing only means no grouping
        }
        return new Route(RouteKind.Create, target);
    }

    /// <summary>
    /// The live incident of this alert's group, if it saw an alert within the window; or the group pointer
    /// alone when its incident is being created right now (so concurrent first alerts of a group converge).
    /// </summary>
    private async Task<(IncidentRecord? Incident, IncidentPointer? Creating)> FindGroupIncidentAsync(
        AlertKeys keys, AutoResponderOptions settings, DateTimeOffset now, CancellationToken ct)
    {
        if (keys.Group is null) return (null, null);
        var pointer = await index.GetPointerAsync(IncidentIndex.GroupPartition(keys.Group), ct);
        if (pointer is null) return (null, null);
        var incident = await store.FindAsync(pointer.IncidentId, ct);
        if (incident is null)
            return now - pointer.ClaimedAt < CreationGrace ? (null, pointer) : (null, null);
        var lastSeen = incident.LastAlertAt ?? incident.OpenedAt;
        var inWindow = now - lastSeen <= TimeSpan.FromMinutes(settings.Grouping.WindowMinutes);
        return incident.Status.IsLive() && incident.GroupHash == keys.Group && inWindow ? (incident, null) : (null, null);
    }

    /// <summary>False when a pointer leads to an unrelated incident (an id reused after a collision or a stale claim).</summary>
    private static bool BelongsTo(IncidentRecord incident, AlertKeys keys) =>
        incident.DedupHash == keys.Dedup || (keys.Group is not null && incident.GroupHash == keys.Group);
}
