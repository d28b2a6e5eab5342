using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Impact.Orders;
using AutoResponder.Impact.Snapshots;
using AutoResponder.Incidents;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

/// <summary>
/// GET /api/incidents/{id}/impact and POST /api/incidents/{id}/impact/refresh.
/// A refresh does not export inside the HTTP request (a million-row export outlives an HTTP timeout): it takes
/// the incident's impact lease as "requested" (a second refresh meanwhile is a 409), checks that the order store
/// answers (503 if not), and commits an "impact-refresh-requested" timeline entry, whose outbox action takes the
/// snapshot with the same retries, lease and visibility as the automatic ones. 202 + where to watch.
/// </summary>
public sealed class ImpactEndpoint(
    IncidentStore incidents,
    ImpactSnapshotStore snapshots,
    ImpactSnapshotService service,
    ExportLinks links,
    IOrderSource orders,
    IOptions<ImpactOptions> options,
    TimeProvider time,
    ILogger<ImpactEndpoint> log)
{
    public sealed record WindowJson(DateTimeOffset From, DateTimeOffset To, bool Open, bool Truncated);
    public sealed record ExportJson(string Container, string Blob, long SizeBytes, string Url, DateTimeOffset UrlExpiresAt);
    public sealed record SnapshotJson(string SnapshotId, string Trigger, DateTimeOffset TakenAt, WindowJson Window, IReadOnlyList<string> Rules,
        long Orders, long Customers, bool CustomersApproximate, long NewOrders, long NoLongerAffected,
        IReadOnlyDictionary<string, decimal> MoneyAtRisk, IReadOnlyDictionary<string, long> OrdersByRule,
        DateTimeOffset? FirstOrderAt, DateTimeOffset? LastOrderAt, ExportJson Export);
    public sealed record LeaseJson(string State, DateTimeOffset Until);
    public sealed record ImpactJson(string IncidentId, IReadOnlyList<string> Rules, WindowJson Window, SnapshotJson? Latest,
        IReadOnlyList<SnapshotJson> Snapshots, LeaseJson? InProgress);
    public sealed record RefreshJson(string IncidentId, string Status, string? ActionId, string Impact);

    /// <summary>GET /api/incidents/{id}/impact — the latest summary, the snapshot history (newest first) and fresh export links.</summary>
    public Task<ApiResult> GetAsync(string id, CancellationToken ct) => StorageOutage.GuardAsync(() => GetCoreAsync(id, ct), log);

    private async Task<ApiResult> GetCoreAsync(string id, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
        var details = await incidents.GetDetailsAsync(id, ct);
        if (details is null) return Problems.NotFound(id);

        var history = await snapshots.ListAsync(id, ct);
        var lease = await snapshots.GetLeaseAsync(id, ct);
        var expiresAt = links.DefaultExpiry();
        var shown = new List<SnapshotJson>(history.Count);
        foreach (var s in Enumerable.Reverse(history))
        {
            var url = await links.CreateReadLinkAsync(s.BlobName, expiresAt, ct);
            shown.Add(new SnapshotJson(s.SnapshotId, s.Trigger, s.TakenAt, new WindowJson(s.WindowFrom, s.WindowTo, s.WindowOpen, s.WindowTruncated),
                s.Rules.Split(',', StringSplitOptions.RemoveEmptyEntries), s.Orders, s.Customers, s.CustomersApproximate, s.NewOrders, s.NoLongerAffected,
                s.MoneyAtRisk(), s.OrdersByRule(), s.FirstOrderAt, s.LastOrderAt,
                new ExportJson(s.Container, s.BlobName, s.SizeBytes, url.ToString(), expiresAt)));
        }
        var window = service.WindowFor(details.Incident);
        var now = time.GetUtcNow();
        return ApiResult.Ok(new ImpactJson(id, service.RulesFor(details).Select(r => r.Name).ToArray(),
            new WindowJson(window.From, window.To, window.Open, window.Truncated),
            shown.FirstOrDefault(), shown,
            lease is { } l && l.Until > now ? new LeaseJson(l.State, l.Until) : null));
    }

    /// <summary>POST /api/incidents/{id}/impact/refresh — 202 when a snapshot is queued.</summary>
    public Task<ApiResult> RefreshAsync(Caller caller, string id, CancellationToken ct) =>
        StorageOutage.GuardAsync(() => RefreshCoreAsync(caller.Name, id, ct), log);

    private async Task<ApiResult> RefreshCoreAsync(string actor, string id, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
        var details = await incidents.GetDetailsAsync(id, ct);
        if (details is null) return Problems.NotFound(id);
        if (service.RulesFor(details).Count == 0)
            return Problems.Invalid("AutoResponder:Impact:Rules",
                $"No impact rule applies to incident {id} (service '{details.Incident.Service}', rule '{details.Incident.Rule}'); configure one under AutoResponder:Impact:Rules.");

        var current = await snapshots.GetLeaseAsync(id, ct);
        if (current is { } busy && busy.Until > time.GetUtcNow()) return Busy(id, busy);
        try
        {
            await orders.CheckAvailableAsync(ct);
        }
        catch (OrderSourceUnavailableException e)
        {
            log.LogWarning(e, "Impact refresh of {IncidentId} refused: the order store is unreachable", id);
            return Problems.Unavailable($"The order store is unreachable, so no snapshot was queued: {e.Message}");
        }

        ImpactLeaseRecord lease;
        try
        {
            lease = await snapshots.AcquireAsync(id, ImpactLeaseRecord.Requested, $"refresh/{Guid.NewGuid():N}", TimeSpan.FromSeconds(options.Value.LeaseSeconds), ct);
        }
        catch (ImpactBusyException e) { return Busy(id, e.Lease); }

        var change = new IncidentChange(new IncidentRecord { Id = id, PartitionKey = id }, isNew: false) { LeaveIncidentRow = true };
        change.Add(time.GetUtcNow(), TimelineKinds.ImpactRefreshRequested, actor, "Impact refresh requested: a new snapshot and export will follow.");
        try
        {
            await incidents.CommitAsync(change, ct);
        }
        catch
        {
            await snapshots.ReleaseAsync(lease, CancellationToken.None);
            throw;
        }
        var action = change.Actions.FirstOrDefault(a => a.Kind == ImpactKinds.Snapshot);
        log.LogInformation("Impact refresh of {IncidentId} requested by {Actor}", id, actor);
        return ApiResult.Accepted(new RefreshJson(id, "requested", action is null ? null : IncidentResources.ActionId(action.RowKey), $"/api/incidents/{id}/impact"));
    }

    private static ApiResult Busy(string id, ImpactLeaseRecord lease) => Problems.Create(StatusCodes.Status409Conflict, "Snapshot in progress",
        $"An impact snapshot of incident {id} is already {lease.State}; try again after it finishes (lease until {lease.Until:O}).", "id");
}
