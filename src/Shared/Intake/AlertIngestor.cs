using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Intake;

/// <summary>
/// Files normalised alerts: finds (or opens) each one's incident and hands it to the <see cref="AlertCommitter"/>,
/// which writes concurrent alerts of one incident together.
/// <list type="bullet">
/// <item>The dedup pointer (sender's dedup key, else fingerprint) says which incident the alert belongs to.</item>
/// <item>Failing that, the group pointer: the live incident of the same grouping key seen within the window. A
/// group's first alerts settle who opens its incident by claiming the group pointer (<c>AddEntity</c>, or a
/// replace under the ETag of a stale one); the losers follow the winner, on any number of instances.</item>
/// <item>Otherwise a new incident: whoever claims the dedup pointer first names it; everyone else converges on that id.</item>
/// </list>
/// Redelivery is a no-op: the alert's row in its incident records the newest occurrence seen (<see cref="AlertRowState.Judge"/>).
/// </summary>
public sealed class AlertIngestor(
    IncidentStore store,
    IncidentIndex index,
    IncidentCache cache,
    AlertCommitter committer,
    IncidentIds ids,
    IOptions<AutoResponderOptions> options,
    TimeProvider time,
    ILogger<AlertIngestor> log)
{
    private const int MaxAttempts = 20;
    /// <summary>Alerts of one delivery routed at once; those bound for one incident are then committed together.</summary>
    private const int DeliveryParallelism = 32;
    /// <summary>Alerts of one delivery group routed at once once their incident is known (each is then a cache hit or a blind pointer claim).</summary>
    private const int GroupParallelism = 512;
    /// <summary>How long a pointer to a not-yet-written incident is trusted before another caller takes over.</summary>
    private static readonly TimeSpan CreationGrace = TimeSpan.FromSeconds(30);

    private enum RouteKind { Append, Create, Duplicate, Ignore }
    private sealed record Route(RouteKind Kind, string? IncidentId);

    /// <summary>
    /// Files a whole delivery: routed in parallel, batched per incident by the committer; results in input order.
    /// A delivery group (one Alertmanager webhook, see <see cref="GroupingOptions.ByDeliveryGroup"/>) is one incident: its
    /// first alert finds or opens it, then the rest go at once (<see cref="GroupParallelism"/>), so their pointer claims and
    /// commits fill whole transactions instead of 32 alerts' worth each.
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
            if (results[at].Outcome is IngestOutcomes.Opened or IngestOutcomes.Appended or IngestOutcomes.Reopened) parallelism = GroupParallelism;
            rest = rest.Where(i => i != at);
        }
        await Parallel.ForEachAsync(rest, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
            async (i, token) => results[i] = await IngestAsync(alerts[i], token));
        return results;
    }

    private static bool OneDeliveryGroup(IReadOnlyList<Alert> alerts, GroupingOptions grouping) =>
        grouping is { Enabled: true, ByDeliveryGroup: true } && alerts[0].DeliveryGroup is { Length: > 0 } group &&
        alerts.All(a => a.DeliveryGroup == group);

    /// <exception cref="IncidentBusyException">The incident kept changing under us on other instances (answer 503).</exception>
    public async Task<IngestResult> IngestAsync(Alert alert, CancellationToken ct)
    {
        var settings = options.Value;
        var keys = AlertKeys.For(alert, settings.Grouping);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var route = await RouteAsync(alert, keys, settings, ct);
                IngestResult result;
                if (route.Kind is RouteKind.Append or RouteKind.Create)
                {
                    var filed = await committer.SubmitAsync(route.IncidentId!, alert, keys, route.Kind == RouteKind.Create, ct);
                    if (filed.As == FiledAs.Reroute)
                    {
                        cache.Forget(keys.Dedup, keys.Group);
                        throw new IncidentConcurrencyException(filed.IncidentId);
                    }
                    if (filed.Incident is { } incident) cache.Remember(keys.Dedup, keys.Group, incident);
                    result = new IngestResult(filed.IncidentId, filed.Outcome);
                }
                else result = new IngestResult(route.IncidentId, route.Kind == RouteKind.Duplicate ? IngestOutcomes.Duplicate : IngestOutcomes.Ignored);

                // Openings and reopenings are news; a storm of appends and duplicates is not (Debug).
                var level = result.Outcome is IngestOutcomes.Opened or IngestOutcomes.Reopened ? LogLevel.Information : LogLevel.Debug;
                log.Log(level, "Alert {Fingerprint} from {Source}: {Outcome} {IncidentId}", alert.Fingerprint, alert.Source, result.Outcome, result.IncidentId);
                return result;
            }
            catch (IncidentConcurrencyException e)
            {
                if (attempt >= MaxAttempts) throw new IncidentBusyException(e.Message);
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), ct);
            }
        }
    }

    private async Task<Route> RouteAsync(Alert alert, AlertKeys keys, AutoResponderOptions settings, CancellationToken ct)
    {
        if (cache.Get(keys.Dedup) is { } cached) return new Route(RouteKind.Append, cached.Id);

        var now = time.GetUtcNow();
        var dedupPointer = IncidentIndex.DedupPointer(keys.Dedup, keys.Group);
        // A storm of new alerts of a group this instance is filing already: claim the dedup pointer blind (one write).
        if (keys.Group is not null && alert.Status == AlertStatus.Firing && cache.GetGroup(keys.Group) is { } grouped &&
            InWindow(grouped, settings, now) && await index.TryClaimAsync(dedupPointer, null, grouped.Id, now, ct))
            return new Route(RouteKind.Append, grouped.Id);

        var pointer = await index.GetPointerAsync(dedupPointer, ct);
        if (pointer is not null)
        {
            var incident = await store.FindAsync(pointer.IncidentId, ct);
            if (incident is null)
            {
                if (now - pointer.ClaimedAt < CreationGrace) return new Route(RouteKind.Create, pointer.IncidentId);
                // The claimer never wrote the incident (crashed): fall through and claim the pointer again.
            }
            else if (IncidentLifecycle.BelongsTo(incident, keys))
            {
                if (AlertCommitter.Takes(incident, alert, settings, now)) return new Route(RouteKind.Append, incident.Id);
                if (alert.Status == AlertStatus.Resolved) return new Route(RouteKind.Ignore, incident.Id);
                if (await store.FindAlertAsync(incident.Id, keys.Alert, ct) is { } row && row.StartsAt >= alert.StartsAt)
                    return new Route(RouteKind.Duplicate, incident.Id); // old news: a redelivery of what the incident holds
                // Resolved long ago or closed: a new firing opens a new incident.
            }
        }

        if (alert.Status == AlertStatus.Resolved) return new Route(RouteKind.Ignore, pointer?.IncidentId);

        var (target, exists) = await ClaimGroupAsync(keys, settings, now, ct);
        if (!await index.TryClaimAsync(dedupPointer, pointer, target, now, ct))
            throw new IncidentConcurrencyException(target); // someone else claimed it: reroute
        return new Route(exists ? RouteKind.Append : RouteKind.Create, target);
    }

    /// <summary>
    /// The incident a new firing goes to: its group's live incident seen within the window, the one its group is
    /// opening right now, or a new id — claimed on the group pointer first, so a group's simultaneous first alerts
    /// all land in one incident. Losing that claim rereads the pointer and follows the winner.
    /// </summary>
    private async Task<(string Id, bool Exists)> ClaimGroupAsync(AlertKeys keys, AutoResponderOptions settings, DateTimeOffset now, CancellationToken ct)
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
                if (incident is not null && incident.Status.IsLive() && incident.GroupHash == keys.Group && InWindow(incident, settings, now))
                    return (incident.Id, true);
            }
            var id = ids.Next();
            if (await index.TryClaimAsync(groupPointer, pointer, id, now, ct)) return (id, false);
            if (attempt >= 5) throw new IncidentConcurrencyException(id);
        }
    }

    private static bool InWindow(IncidentRecord incident, AutoResponderOptions settings, DateTimeOffset now) =>
        now - (incident.LastAlertAt ?? incident.OpenedAt) <= TimeSpan.FromMinutes(settings.Grouping.WindowMinutes);
}
