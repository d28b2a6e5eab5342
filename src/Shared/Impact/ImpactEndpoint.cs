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
/// GET /api/incidents/{id}/impact/snapshots/{snapshot}/export streams one export's CSV from the private container to a
/// signed-in ops or responder caller and records the download on the timeline (who, when, which snapshot). Nothing
/// signed leaves the app: the JSON names that route, not a storage link.
/// </summary>
public sealed class ImpactEndpoint(
    IncidentStore incidents,
    ImpactSnapshotStore snapshots,
    ImpactSnapshotService service,
    ExportBlobs exports,
    IOrderSource orders,
    IOptions<ImpactOptions> options,
    TimeProvider time,
    ILogger<ImpactEndpoint> log)
{
    public sealed record WindowJson(DateTimeOffset From, DateTimeOffset To, bool Open, bool Truncated);
    /// <summary>The snapshot's CSV: its size and the authenticated route that downloads it (roles ops or responder).</summary>
    public sealed record ExportJson(long SizeBytes, string Download);
    public sealed record SnapshotJson(string SnapshotId, string Trigger, DateTimeOffset TakenAt, WindowJson Window, IReadOnlyList<string> Rules,
        long Orders, long Customers, bool CustomersApproximate, long NewOrders, long NoLongerAffected,
        IReadOnlyDictionary<string, decimal> MoneyAtRisk, IReadOnlyDictionary<string, long> OrdersByRule,
        DateTimeOffset? FirstOrderAt, DateTimeOffset? LastOrderAt, ExportJson Export);
    public sealed record LeaseJson(string State, DateTimeOffset Until);
    public sealed record ImpactJson(string IncidentId, IReadOnlyList<string> Rules, WindowJson Window, SnapshotJson? Latest,
        IReadOnlyList<SnapshotJson> Snapshots, LeaseJson? InProgress);
    public sealed record RefreshJson(string IncidentId, string Status, string? ActionId, string Impact);

    /// <summary>GET /api/incidents/{id}/impact — the latest summary, the snapshot history (newest first) and each export's download route.</summary>
    public Task<ApiResult> GetAsync(string id, CancellationToken ct) => StorageOutage.GuardAsync(() => GetCoreAsync(id, ct), log);

    private async Task<ApiResult> GetCoreAsync(string id, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
        var details = await incidents.GetDetailsAsync(id, ct);
        if (details is null) return Problems.NotFound(id);

        var history = await snapshots.ListAsync(id, ct);
        var lease = await snapshots.GetLeaseAsync(id, ct);
        var shown = new List<SnapshotJson>(history.Count);
        foreach (var s in Enumerable.Reverse(history))
        {
            shown.Add(new SnapshotJson(s.SnapshotId, s.Trigger, s.TakenAt, new WindowJson(s.WindowFrom, s.WindowTo, s.WindowOpen, s.WindowTruncated),
                s.Rules.Split(',', StringSplitOptions.RemoveEmptyEntries), s.Orders, s.Customers, s.CustomersApproximate, s.NewOrders, s.NoLongerAffected,
                s.MoneyAtRisk(), s.OrdersByRule(), s.FirstOrderAt, s.LastOrderAt,
                new ExportJson(s.SizeBytes, PeopleLinks.ExportPath(id, s.SnapshotId))));
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

    /// <summary>
    /// GET /api/incidents/{id}/impact/snapshots/{snapshot}/export — the CSV, streamed from the private container (never
    /// buffered, never redirected to a signed link). The download is recorded on the timeline before the first byte is
    /// sent: an "export-downloaded" entry naming the caller and the snapshot. 404 (field id or snapshot) when there is no
    /// such incident, snapshot or export blob.
    /// </summary>
    public async Task<FileDownload> ExportAsync(Caller caller, string id, string snapshot, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return FileDownload.Problem(Problems.NotFound(id));
        if (!int.TryParse(snapshot, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence) || sequence < 1)
            return FileDownload.Problem(NoSnapshot(id, snapshot));
        var row = await snapshots.Table.GetEntityIfExistsAsync<ImpactSnapshotRecord>(id, ImpactSnapshotRecord.Key(sequence), cancellationToken: ct);
        if (!row.HasValue || row.Value is not { } s)
            return FileDownload.Problem(await incidents.FindAsync(id, ct) is null ? Problems.NotFound(id) : NoSnapshot(id, snapshot));

        var blob = await exports.OpenAsync(s.BlobName, ct);
        if (blob is null)
            return FileDownload.Problem(Problems.Create(StatusCodes.Status404NotFound, "Export not found",
                $"The export of snapshot {s.SnapshotId} of incident {id} is no longer stored.", "snapshot"));
        try
        {
            var change = new IncidentChange(new IncidentRecord { Id = id, PartitionKey = id }, isNew: false) { LeaveIncidentRow = true };
            change.Add(time.GetUtcNow(), TimelineKinds.ExportDownloaded, caller.Name,
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Export of impact snapshot {s.SnapshotId} ({s.Orders:N0} orders, {s.SizeBytes:N0} bytes) downloaded by {caller.Name}."));
            await incidents.CommitAsync(change, ct);
        }
        catch
        {
            await blob.Content.DisposeAsync();
            throw;
        }
        log.LogInformation("Export {Snapshot} of {IncidentId} downloaded by {Caller}", s.SnapshotId, id, caller.Name);
        return FileDownload.Attachment(blob.Content, "text/csv; charset=utf-8", $"{id}-impact-{s.SnapshotId}.csv", blob.Details.ContentLength);
    }

    private static ApiResult NoSnapshot(string id, string snapshot) => Problems.Create(StatusCodes.Status404NotFound, "Snapshot not found",
        $"Incident {id} has no impact snapshot '{snapshot}'; GET /api/incidents/{id}/impact lists them.", "snapshot");

    private static ApiResult Busy(string id, ImpactLeaseRecord lease) => Problems.Create(StatusCodes.Status409Conflict, "Snapshot in progress",
        $"An impact snapshot of incident {id} is already {lease.State}; try again after it finishes (lease until {lease.Until:O}).", "id");
}
