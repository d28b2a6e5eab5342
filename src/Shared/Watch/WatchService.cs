using System.Globalization;
using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Watch;

/// <summary>No watch is running for the incident (HTTP 409).</summary>
internal sealed class NoWatchException(string incidentId)
    : Exception(
        $"No watch is running for incident {incidentId}: it starts when the incident is mitigated or resolved.");

/// <summary>What one check of one watch found.</summary>
public sealed record WatchCheck(string IncidentId, string Outcome, long OrdersChecked, long Affected)
{
    public const string Clean = "clean", AffectedWhileMitigated = "affected", Reopened = "reopened", Ended = "ended",
        Stopped = "stopped", Held = "held";
}

/// <summary>
/// Watch the fix: after mitigation and after resolution, the incident's impact rules keep running on the orders created
/// since, for <see cref="WatchOptions.WatchMinutes"/>. New affected orders reopen a resolved incident, or add a
/// "watch-affected" entry (a Teams reply) while it is still mitigated. The watch can be handed to a named person and
/// signed off; both are on the timeline.
/// </summary>
public sealed class WatchService(
    WatchStore store,
    IncidentStore incidents,
    IncidentService changes,
    ConflictRetry retry,
    ImpactSnapshotService impact,
    IOrderSource orders,
    IOptions<WatchOptions> options,
    TimeProvider time,
    ILogger<WatchService> log)
{
    private readonly string _owner = $"{Environment.MachineName}/{Guid.NewGuid():N}";

    /// <summary>Starts (or, after mitigation then resolution, extends) the incident's watch. Idempotent.</summary>
    public async Task<OutboxOutcome> StartAsync(IncidentRecord incident, string phase, DateTimeOffset at,
        CancellationToken ct)
    {
        var until = at.AddMinutes(options.Value.WatchMinutes);
        for (var attempt = 1; ; attempt++)
        {
            var row = await store.GetAsync(incident.Id, ct);
            if (row is not null && row.Phase == phase && row.Until == until)
                return OutboxOutcome.Done("watch already running");
            row ??= new WatchRecord
            {
                RowKey = incident.Id,
                StartedAt = at,
                CheckedThroughTicks = at.UtcTicks,
                WatchedBy = incident.Owner,
            };
            row.Phase = phase;
            row.Until = until;
            if (!await store.TryWriteAsync(row, ct))
            {
                // busy after the budget: the outbox retries the action
                await retry.LostRaceAsync(incident.Id, attempt, ct);
                continue;
            }
            return new OutboxOutcome(
                Result: $"watching until {StatusEmailRenderer.Time(until)}",
                TimelineText: $"Watching new orders after {phase} until {StatusEmailRenderer.Time(until)} with the " +
                    $"incident's impact rules" +
                    $"{(row.WatchedBy is null ? "" : $"; watched by {row.WatchedBy}")}. New affected orders " +
                    $"{(phase == "resolved" ? "reopen the incident" : "are reported here")}.",
                TimelineKind: WatchKinds.Started);
        }
    }

    public Task<WatchRecord?> GetAsync(string incidentId, CancellationToken ct) => store.GetAsync(incidentId, ct);

    /// <summary>Hands the watch to <paramref name="to"/>.</summary>
    public async Task<WatchRecord> HandOverAsync(string incidentId, string to, string? note, string actor,
        IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var incident = await incidents.FindAsync(incidentId, ct)
                ?? throw new IncidentNotFoundException(incidentId);
            ifMatch?.Check(incident); // a stale page hands nothing over (the timeline entry checks it again)
            var row = await store.GetAsync(incidentId, ct) ?? throw new NoWatchException(incidentId);
            var from = row.WatchedBy;
            row.WatchedBy = to;
            if (!await store.TryWriteAsync(row, ct))
            {
                await retry.LostRaceAsync(incidentId, attempt, ct);
                continue;
            }
            await changes.ChangeAsync(incidentId, ifMatch, (c, at) => c.Add(at, WatchKinds.HandedOver, actor,
                $"Watch handed {(from is null ? "" : $"from {from} ")}to {to} until " +
                $"{StatusEmailRenderer.Time(row.Until)}{(note is null ? "" : $": {note}")}."), ct);
            return row;
        }
    }

    /// <summary>Ends the watch early: the person watching is satisfied the fix holds.</summary>
    public async Task<WatchRecord> SignOffAsync(string incidentId, string? text, string actor,
        IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        _ = await incidents.FindAsync(incidentId, ct) ?? throw new IncidentNotFoundException(incidentId);
        var row = await store.GetAsync(incidentId, ct) ?? throw new NoWatchException(incidentId);
        var now = time.GetUtcNow();
        await changes.ChangeAsync(incidentId, ifMatch, (c, at) => c.Add(at, WatchKinds.SignedOff, actor,
            $"Watch signed off after {StatusEmailRenderer.Duration(now - row.StartedAt)}: {row.OrdersChecked:N0} new " +
            $"orders checked, {row.AffectedOrders:N0} affected{(text is null ? "" : $". {text}")}."), ct);
        row.ETag = Azure.ETag.All;
        await store.TryDeleteAsync(row, ct);
        return row;
    }

    /// <summary>One pass over every running watch (the scheduled job).</summary>
    public async Task<IReadOnlyList<WatchCheck>> CheckAllAsync(CancellationToken ct)
    {
        var results = new List<WatchCheck>();
        if (!options.Value.Enabled) return results;
        foreach (var row in await store.ListAsync(ct))
        {
            try { results.Add(await CheckAsync(row, ct)); }
            catch (OrderSourceUnavailableException e) { log.LogWarning(e, "Watch of {IncidentId}: order store unavailable; next time", row.IncidentId); }
        }
        return results;
    }

    private async Task<WatchCheck> CheckAsync(WatchRecord row, CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        if (row.LeaseOwner is { } holder && holder != _owner && row.LeaseUntil > now)
            return new(row.IncidentId, WatchCheck.Held, 0, 0);
        var details = await incidents.GetDetailsAsync(row.IncidentId, ct);
        if (details is null || details.Incident.Status.IsLive() && details.Incident.Status != IncidentStatus.Mitigated)
        {
            await store.TryDeleteAsync(row, ct); // reopened (or gone): the incident is live again, snapshots take over
            return new(row.IncidentId, WatchCheck.Stopped, 0, 0);
        }
        row.LeaseOwner = _owner;
        row.LeaseUntil = now.AddSeconds(o.LeaseSeconds);
        if (!await store.TryWriteAsync(row, ct)) return new(row.IncidentId, WatchCheck.Held, 0, 0);

        var incident = details.Incident;
        var upTo = Min(now.AddSeconds(-o.SettleSeconds), row.Until);
        long checkedOrders = 0, affected = 0;
        var money = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        DateTimeOffset? first = null, last = null;
        if (upTo > row.CheckedThrough)
        {
            var rules = (await impact.SelectAsync(details, ct)).Select(s => s.Rule).ToList();
            var catalog = await orders.ReadCatalogAsync(ct);
            await foreach (var order in orders.ReadOrdersAsync(new OrderQuery(row.CheckedThrough.AddTicks(1), upTo),
                ct))
            {
                checkedOrders++;
                foreach (var rule in rules)
                    if (rule.Evaluate(order, catalog, now) is { } verdict)
                    {
                        affected++;
                        money[order.Currency] = money.GetValueOrDefault(order.Currency) + verdict.MoneyAtRisk;
                        first ??= order.CreatedAt;
                        last = order.CreatedAt;
                        break;
                    }
            }
        }

        var outcome = WatchCheck.Clean;
        if (affected > 0)
        {
            var inv = CultureInfo.InvariantCulture;
            var what = $"{affected:N0} new affected order(s) of {checkedOrders:N0} checked, created " +
                $"{first:HH:mm:ss}–{last:HH:mm:ss} UTC" +
                (money.Count == 0 ? "" : $", money at risk " +
                    $"{string.Join(", ", money.Select(m => $"{m.Key} {m.Value.ToString("0.00", inv)}"))}");
            if (incident.Status == IncidentStatus.Resolved)
            {
                await changes.ChangeAsync(incident.Id, (c, at) =>
                {
                    if (c.Incident.Status != IncidentStatus.Resolved) return;
                    c.Incident.Status = c.Incident.Owner is null ? IncidentStatus.Open : IncidentStatus.Acknowledged;
                    c.Incident.ResolvedAt = null;
                    c.Incident.MitigatedAt = null;
                    c.Add(at, TimelineKinds.Reopened, "watch", $"Reopened by the watch: {what}. The fix did not hold.");
                }, ct);
                outcome = WatchCheck.Reopened;
            }
            else
            {
                await changes.ChangeAsync(incident.Id, (c, at) => c.Add(at, WatchKinds.Affected, "watch",
                    $"Watch: {what} since mitigation. Still mitigated; " +
                    $"{(row.WatchedBy ?? incident.Owner ?? "the owner")} to decide."), ct);
                outcome = WatchCheck.AffectedWhileMitigated;
            }
        }

        row.CheckedThroughTicks = Math.Max(row.CheckedThroughTicks, upTo.UtcTicks);
        row.OrdersChecked += checkedOrders;
        row.AffectedOrders += affected;
        row.LeaseOwner = null;
        row.LeaseUntil = null;
        if (outcome == WatchCheck.Reopened) { await store.TryDeleteAsync(row, ct); return new(row.IncidentId, outcome, checkedOrders, affected); }
        if (upTo >= row.Until)
        {
            await changes.ChangeAsync(incident.Id, (c, at) => c.Add(at, WatchKinds.Ended, "watch",
                $"Watch ended after {StatusEmailRenderer.Duration(row.Until - row.StartedAt)}: " +
                $"{row.OrdersChecked:N0} new orders checked, {row.AffectedOrders:N0} affected."), ct);
            await store.TryDeleteAsync(row, ct);
            return new(row.IncidentId, outcome == WatchCheck.Clean ? WatchCheck.Ended : outcome, checkedOrders,
                affected);
        }
        if (!await store.TryWriteAsync(row, ct))
            log.LogWarning("Watch of {IncidentId}: the row changed while checking; the next pass rereads it",
            row.IncidentId);
        return new(row.IncidentId, outcome, checkedOrders, affected);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
