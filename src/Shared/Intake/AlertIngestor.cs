using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Intake;

/// <summary>
/// Files normalised alerts: finds (or opens) each one's incident and hands it to the <see cref="AlertCommitter"/>,
/// which writes concurrent alerts of one incident together and judges, once per alert, whether the incident takes it
/// (<see cref="IncidentLifecycle.Judge"/>). The ingestor only routes, and switches on the committer's answer:
/// <list type="bullet">
/// <item>The routing cache (<see cref="IncidentCache"/>) or the dedup pointer (sender's dedup key, else fingerprint)
/// says which incident the alert belongs to; a pointer to an incident not yet written is trusted for
/// <see cref="CreationGrace"/> (whoever files first under it opens it).</item>
/// <item>When that incident refuses the alert (closed, another group's, a stale pointer), the group pointer: the live
/// incident of the same grouping key seen within the window. A group's first alerts settle who opens its incident by
/// claiming the group pointer (<c>AddEntity</c>, or a replace under the ETag of a stale one); the losers follow the
/// winner, on any number of instances.</item>
/// <item>Otherwise a new incident: whoever claims the dedup pointer first names it; everyone else converges on that
/// id.</item>
/// </list>
/// A lost claim, or a refusal of a cached or freshly claimed route, routes the alert again after jitter, within the
/// conflict budget (<see cref="ConflictRetry"/>); then <see cref="IncidentBusyException"/> (503 + Retry-After).
/// Redelivery is a no-op: the alert's row in its incident records the newest occurrence seen
/// (<see cref="AlertRowState.Judge"/>).
/// </summary>
public sealed class AlertIngestor(
    IncidentStore store,
    IncidentIndex index,
    IncidentCache cache,
    AlertCommitter committer,
    IncidentIds ids,
    ConflictRetry retry,
    IOptions<AutoResponderOptions> options,
    TimeProvider time,
    ILogger<AlertIngestor> log)
{
    /// <summary>
    /// Alerts of one delivery routed at once; those bound for one incident are then committed together.
    /// </summary>
    private const int DeliveryParallelism = 32;
    /// <summary>
    /// Alerts of one delivery group routed at once once their incident is known (each is then a cache hit or a blind
    /// pointer claim).
    /// </summary>
    private const int GroupParallelism = 512;
    /// <summary>How long a pointer to a not-yet-written incident is trusted before another caller takes over.</summary>
    private static readonly TimeSpan CreationGrace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where a route came from: only a dedup pointer's refusal is followed by claiming a new incident at once.
    /// </summary>
    private enum Via { Cache, Pointer, Claim }

    private enum RouteKind
    {
        /// <summary>Hand the alert to the committer for <see cref="Route.IncidentId"/>.</summary>
        Submit,
        /// <summary>A resolution with no incident that takes it: nothing to do.</summary>
        Ignore,
        /// <summary>A claim was lost or the incident refused the alert: route it again after jitter.</summary>
        Again,
    }

    private sealed record Route(RouteKind Kind, string? IncidentId, bool MayCreate = false, Via Via = Via.Claim,
        IncidentPointer? Pointer = null)
    {
        public static Route Submit(string id, bool mayCreate, Via via, IncidentPointer? pointer = null)
            => new(RouteKind.Submit, id, mayCreate, via, pointer);
        public static Route Ignore(string? id) => new(RouteKind.Ignore, id);
        public static Route Again(string? id) => new(RouteKind.Again, id);
    }

    /// <summary>
    /// Files a whole delivery: routed in parallel, batched per incident by the committer; results in input order.
    /// A delivery group (one Alertmanager webhook, see <see cref="GroupingOptions.ByDeliveryGroup"/>) is one incident:
    /// its first alert finds or opens it, then the rest go at once (<see cref="GroupParallelism"/>), so their pointer
    /// claims and commits fill whole transactions instead of 32 alerts' worth each.
    /// </summary>
    public async Task<IReadOnlyList<IngestResult>> IngestAsync(IReadOnlyList<Alert> alerts, CancellationToken ct)
    {
        var results = new IngestResult[alerts.Count];
        if (alerts.Count == 1)
        {
            results[0] = await IngestAsync(alerts[0], ct);
            return results;
        }
        var rest = Enumerable.Range(0, alerts.Count);
        var parallelism = DeliveryParallelism;
        if (OneDeliveryGroup(alerts, options.Value.Grouping) && alerts.Select((a, i) => (a, i)).FirstOrDefault(x => x.a.Status == AlertStatus.Firing) is ({ } first, var at))
        {
            results[at] = await IngestAsync(first, ct);
            if (results[at].Outcome is IngestOutcomes.Opened or IngestOutcomes.Appended or IngestOutcomes.Reopened)
                parallelism = GroupParallelism;
            rest = rest.Where(i => i != at);
        }
        await Parallel.ForEachAsync(rest, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
            async (i, token) => results[i] = await IngestAsync(alerts[i], token));
        return results;
    }

    private static bool OneDeliveryGroup(IReadOnlyList<Alert> alerts, GroupingOptions grouping) =>
        grouping is { Enabled: true, ByDeliveryGroup: true } && alerts[0].DeliveryGroup is { Length: > 0 } group &&
        alerts.All(a => a.DeliveryGroup == group);

    /// <exception cref="IncidentBusyException">Routing kept losing races (other instances), or the incident kept
    /// changing (answer 503).</exception>
    public async Task<IngestResult> IngestAsync(Alert alert, CancellationToken ct)
    {
        var result = await FileAsync(alert, AlertKeys.For(alert, options.Value.Grouping), options.Value, ct);
        // Openings and reopenings are news; a storm of appends and duplicates is not (Debug).
        var level = result.Outcome is IngestOutcomes.Opened or IngestOutcomes.Reopened
            ? LogLevel.Information : LogLevel.Debug;
        log.Log(level, "Alert {Fingerprint} from {Source}: {Outcome} {IncidentId}", alert.Fingerprint, alert.Source,
            result.Outcome, result.IncidentId);
        return result;
    }

    private async Task<IngestResult> FileAsync(Alert alert, AlertKeys keys, AutoResponderOptions settings,
        CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var route = await RouteAsync(alert, keys, settings, ct);
            while (route.Kind == RouteKind.Submit)
            {
                var filed = await committer.SubmitAsync(route.IncidentId!, alert, keys, route.MayCreate, ct);
                switch (filed.As)
                {
                    case FiledAs.Recorded:
                        if (filed.Incident is { } incident) cache.Remember(keys.Dedup, keys.Group, incident);
                        return new IngestResult(filed.IncidentId, filed.Outcome);
                    case FiledAs.Duplicate:
                        return new IngestResult(filed.IncidentId, IngestOutcomes.Duplicate);
                }
                cache.Forget(keys.Dedup, keys.Group);
                // The dedup pointer's incident refused it: that refusal is final (nothing to do), or the alert needs a
                // new incident. A cached or just-claimed route that is refused was stale: route again.
                route = route.Via != Via.Pointer ? Route.Again(filed.IncidentId) : filed.Why switch
                {
                    RerouteReason.Ignored => Route.Ignore(filed.IncidentId),
                    // a resolution waits for its incident's first firing
                    RerouteReason.NotCreated when route.MayCreate => Route.Again(filed.IncidentId),
                    _ => await ClaimNewAsync(alert, keys, route.Pointer, settings, time.GetUtcNow(), ct),
                };
            }
            if (route.Kind == RouteKind.Ignore) return new IngestResult(route.IncidentId, IngestOutcomes.Ignored);
            await retry.LostRaceAsync(route.IncidentId ?? keys.Dedup, attempt, ct);
        }
    }

    private async Task<Route> RouteAsync(Alert alert, AlertKeys keys, AutoResponderOptions settings,
        CancellationToken ct)
    {
        if (cache.Get(keys.Dedup) is { } cached) return Route.Submit(cached.Id, mayCreate: false, Via.Cache);

        var now = time.GetUtcNow();
        // A storm of new alerts of a group this instance is filing already: claim the dedup pointer blind (one write).
        if (keys.Group is not null && alert.Status == AlertStatus.Firing && cache.GetGroup(keys.Group) is { } grouped &&
            InWindow(grouped, settings, now)
                && await index.TryClaimAsync(IncidentIndex.DedupPointer(keys.Dedup, keys.Group), null, grouped.Id, now,
                ct))
            return Route.Submit(grouped.Id, mayCreate: false, Via.Cache);

        // The incident the pointer names: the committer reads it and judges; a pointer to an incident not yet written
        // lets this alert open it within the grace (the claimer crashed otherwise: then it is claimed again).
        if (await index.GetPointerAsync(IncidentIndex.DedupPointer(keys.Dedup, keys.Group), ct) is { } pointer)
            return Route.Submit(pointer.IncidentId, mayCreate: now - pointer.ClaimedAt < CreationGrace, Via.Pointer,
                pointer);
        return await ClaimNewAsync(alert, keys, null, settings, now, ct);
    }

    /// <summary>
    /// The incident for an alert its dedup pointer (<paramref name="pointer"/>, null: none) does not lead to: a
    /// resolution has none; a firing goes to its group's incident or a new one (<see cref="ClaimGroupAsync"/>), and the
    /// dedup pointer is claimed for it under the ETag it was read with.
    /// </summary>
    private async Task<Route> ClaimNewAsync(Alert alert, AlertKeys keys, IncidentPointer? pointer,
        AutoResponderOptions settings, DateTimeOffset now, CancellationToken ct)
    {
        if (alert.Status == AlertStatus.Resolved) return Route.Ignore(pointer?.IncidentId);
        if (await ClaimGroupAsync(keys, settings, now, ct) is not var (target, exists))
            return Route.Again(pointer?.IncidentId);
        if (!await index.TryClaimAsync(IncidentIndex.DedupPointer(keys.Dedup, keys.Group), pointer, target, now, ct))
            return Route.Again(target); // someone else claimed it: route again
        return Route.Submit(target, mayCreate: !exists, Via.Claim);
    }

    /// <summary>
    /// The incident a new firing goes to: its group's live incident seen within the window, the one its group is
    /// opening right now, or a new id — claimed on the group pointer first, so a group's simultaneous first alerts
    /// all land in one incident. Losing that claim rereads the pointer and follows the winner; null when it kept
    /// losing.
    /// </summary>
    private async Task<(string Id, bool Exists)?> ClaimGroupAsync(AlertKeys keys, AutoResponderOptions settings,
        DateTimeOffset now, CancellationToken ct)
    {
        if (keys.Group is null) return (ids.Next(), false);
        var groupPointer = IncidentIndex.GroupPointer(keys.Group);
        for (var attempt = 1; ; attempt++)
        {
            var pointer = await index.GetPointerAsync(groupPointer, ct);
            if (pointer is not null)
            {
                var incident = await store.FindAsync(pointer.IncidentId, ct);
                if (incident is null && now - pointer.ClaimedAt < CreationGrace) return (pointer.IncidentId, false);
                if (incident is not null && incident.Status.IsLive() && incident.GroupHash == keys.Group
                    && InWindow(incident, settings, now))
                    return (incident.Id, true);
            }
            var id = ids.Next();
            if (await index.TryClaimAsync(groupPointer, pointer, id, now, ct)) return (id, false);
            if (retry.GivesUp(attempt)) return null;
        }
    }

    private static bool InWindow(IncidentRecord incident, AutoResponderOptions settings, DateTimeOffset now) =>
        now - (incident.LastAlertAt ?? incident.OpenedAt) <= TimeSpan.FromMinutes(settings.Grouping.WindowMinutes);
}
