using AutoResponder.Incidents;
using Azure;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

/// <summary>
/// The result of a snapshot request: the snapshot taken (or found, on a retry), or why none was needed.
/// </summary>
public sealed record SnapshotResult(ImpactSnapshotRecord? Snapshot, bool Reused, string? Skipped);

/// <summary>
/// Takes an impact snapshot of one incident: which rules apply, the window, then — under the incident's impact
/// lease — the streamed export into a staged blob, and only after the blob is committed, the snapshot row.
/// A failure anywhere leaves no row and no visible blob change; the outbox retries the whole thing.
/// </summary>
public sealed class ImpactSnapshotService(
    IncidentStore incidents,
    IncidentStates states,
    ImpactSnapshotStore snapshots,
    ImpactExporter exporter,
    ExportBlobs links,
    IOptions<ImpactOptions> options,
    TimeProvider time,
    ILogger<ImpactSnapshotService> log)
{
    private readonly ImpactRule[] _rules = options.Value.Rules.Select((r, i) => new ImpactRule(r, i)).ToArray();

    /// <summary>Every configured rule, in configuration order.</summary>
    public IReadOnlyList<ImpactRule> Rules => _rules;

    /// <summary>
    /// The rules that apply to the incident, most specific first, with the responder's correction
    /// (<see cref="ImpactRuleSelection"/>).
    /// </summary>
    public IReadOnlyList<SelectedRule> Select(IncidentDetails details, ImpactCorrection correction) =>
        ImpactRuleSelection.Select(_rules, details.Incident, details.Alerts, correction);

    /// <summary>The responder's correction of the incident's rules (none when nobody corrected them).</summary>
    public async Task<ImpactCorrection> CorrectionAsync(string incidentId, CancellationToken ct) =>
        (await states.ReadAsync<ImpactRulesState>(incidentId, ct)) is { Exists: true } row
            ? row.Correction() : ImpactCorrection.None;

    /// <summary>The rules that apply to the incident now, the correction included.</summary>
    public async Task<IReadOnlyList<SelectedRule>> SelectAsync(IncidentDetails details, CancellationToken ct) =>
        Select(details, await CorrectionAsync(details.Incident.Id, ct));

    public ImpactWindow WindowFor(IncidentRecord incident)
        => ImpactWindow.For(incident, options.Value, time.GetUtcNow());

    /// <exception cref="IncidentNotFoundException">No such incident.</exception>
    /// <exception cref="ImpactBusyException">Another snapshot holds the lease.</exception>
    /// <exception cref="Orders.OrderSourceUnavailableException">The order store cannot be reached.</exception>
    public async Task<SnapshotResult> TakeAsync(string incidentId, string trigger, string actionId,
        CancellationToken ct)
    {
        var details = await incidents.GetDetailsAsync(incidentId, ct)
            ?? throw new IncidentNotFoundException(incidentId);
        var history = await snapshots.ListAsync(incidentId, ct);
        if (history.FirstOrDefault(s => s.ActionId == actionId) is { } done)
            return new SnapshotResult(done, Reused: true, null);

        var correction = await CorrectionAsync(incidentId, ct);
        var rules = Select(details, correction);
        if (rules.Count == 0) return new SnapshotResult(null, false, "no impact rule applies to this incident");

        var duration = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        var lease = await snapshots.AcquireAsync(incidentId, ImpactLeaseRecord.Running,
            $"{actionId}/{Guid.NewGuid():N}", duration, ct);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = RenewAsync(lease, duration, lost);
        try
        {
            history = await snapshots.ListAsync(incidentId, ct); // reread under the lease
            var previous = history.LastOrDefault();
            var sequence = (previous?.Sequence ?? 0) + 1;
            var blobName = $"{incidentId}/snapshot-{sequence:D4}.csv";
            var window = WindowFor(details.Incident);
            var now = time.GetUtcNow();
            var target = links.Container.GetBlockBlobClient(blobName);
            var previousBlob = previous is null ? null : links.Container.GetBlobClient(previous.BlobName);

            log.LogInformation(
                "Impact snapshot {Sequence} of {IncidentId} ({Trigger}): window {From:O}..{To:O}, rules {Rules}",
                sequence, incidentId, trigger, window.From, window.To,
                string.Join(",", rules.Select(r => r.Rule.Name)));
            var export = await exporter.ExportAsync(new ExportRequest(rules.Select(r => r.Rule).ToArray(), window, now),
                target, previousBlob, lost.Token);

            var record = ImpactSnapshotRecord.From(incidentId, sequence, actionId, trigger, now, window, rules, export,
                links.Container.Name, blobName);
            if (trigger == ImpactTriggers.Correction)
                (record.Supersedes, record.CorrectedBy) = (previous?.SnapshotId, correction.By);
            await snapshots.AddAsync(record, ct);
            log.LogInformation("Impact snapshot {Sequence} of {IncidentId}: {Orders} orders ({New} new), {Bytes} bytes",
                sequence, incidentId, export.Summary.Orders, export.NewOrders, export.SizeBytes);
            return new SnapshotResult(record, Reused: false, null);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new ImpactBusyException(incidentId, lease);
        }
        finally
        {
            await lost.CancelAsync();
            await heartbeat;
            await snapshots.ReleaseAsync(lease, CancellationToken.None);
        }
    }

    /// <summary>Renews the lease every third of its length; cancels the export if the lease was lost.</summary>
    private async Task RenewAsync(ImpactLeaseRecord lease, TimeSpan duration, CancellationTokenSource lost)
    {
        try
        {
            while (true)
            {
                await Task.Delay(duration / 3, time, lost.Token);
                if (!await snapshots.RenewAsync(lease, duration, lost.Token))
                {
                    log.LogWarning("Impact lease of {IncidentId} was lost; stopping the export", lease.PartitionKey);
                    await lost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (RequestFailedException e) { log.LogWarning(e, "Could not renew the impact lease of {IncidentId}", lease.PartitionKey); }
    }
}
