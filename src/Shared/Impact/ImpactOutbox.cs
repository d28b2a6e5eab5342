using System.Globalization;
using System.Text.Json;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

/// <summary>
/// Outbox kinds of the impact feature (what it keeps about an incident, the contract other features read, is
/// <see cref="ImpactState"/>).
/// </summary>
internal static class ImpactOutbox
{
    /// <summary>Take a snapshot (<see cref="ImpactTriggers"/> says why).</summary>
    public static readonly OutboxKind<ImpactSnapshotPayload> Snapshot =
        OutboxKind.Declare<ImpactSnapshotPayload, ImpactSnapshotHandler>("impact.snapshot");

    /// <summary>Hand a snapshot's export to operations (an e-mail, <see cref="OpsExportMailHandler"/>).</summary>
    public static readonly OutboxKind<DeliverExportPayload> DeliverExport =
        OutboxKind.Declare<DeliverExportPayload, OpsExportMailHandler>("ops.deliver-export");

    public static readonly IReadOnlyList<OutboxKind> All = [Snapshot, DeliverExport];
}

/// <summary>
/// What an <see cref="ImpactOutbox.Snapshot"/> action carries: what took it (one of <see cref="ImpactTriggers"/>).
/// </summary>
internal sealed record ImpactSnapshotPayload(string Trigger);

/// <summary>What took a snapshot (its <c>trigger</c>).</summary>
internal static class ImpactTriggers
{
    public const string Opened = "opened";
    public const string Status = "status";
    public const string Resolved = "resolved";
    public const string Refresh = "refresh";
    /// <summary>
    /// A responder corrected the rules: the snapshot supersedes the previous one, and its export goes to operations.
    /// </summary>
    public const string Correction = "correction";
}

/// <summary>Money at risk of one measure ("Underpaid", "Order value at risk", "Amount stuck"), per currency.</summary>
internal sealed record MoneyLine(string Measure, IReadOnlyDictionary<string, decimal> Amounts);

/// <summary>
/// The payload of an <see cref="ImpactOutbox.DeliverExport"/> action (camelCase JSON): which export, never a link to
/// it. The delivery attaches the CSV or links the authenticated download route (<see cref="Http.PeopleLinks.Export"/>).
/// <see cref="Supersedes"/>: the snapshot whose export this one replaces (a responder corrected the rules), with
/// <see cref="RemovedRowCount"/> orders of it no longer in this one. <see cref="MoneyAtRisk"/>: what the money means,
/// by measure.
/// </summary>
internal sealed record DeliverExportPayload(string SnapshotId, string Container, string BlobName, long SizeBytes,
    long RowCount, long NewRowCount)
{
    /// <summary>Attach the CSV to the email when it is at most this size; link the download route otherwise.</summary>
    public const long AttachLimitBytes = 3 * 1024 * 1024;

    public string? Supersedes { get; init; }
    public long RemovedRowCount { get; init; }
    public IReadOnlyList<MoneyLine> MoneyAtRisk { get; init; } = [];
}

/// <summary>
/// Plans impact work from timeline entries: a snapshot when an incident opens, is resolved, on a refresh request,
/// when a responder corrects the rules and (if configured) on each status update. (A snapshot with new orders owes its
/// delivery to operations itself.)
/// </summary>
internal sealed class ImpactEffect(IOptions<ImpactOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        var settings = options.Value;
        var trigger = entry.Kind switch
        {
            TimelineKinds.Opened => ImpactTriggers.Opened,
            TimelineKinds.Resolved => ImpactTriggers.Resolved,
            TimelineKinds.ImpactRefreshRequested => ImpactTriggers.Refresh,
            TimelineKinds.ImpactRulesCorrected => ImpactTriggers.Correction,
            TimelineKinds.StatusUpdate when settings.SnapshotOnStatusUpdate => ImpactTriggers.Status,
            _ => null,
        };
        if (trigger is not null && settings.Rules.Count > 0)
            yield return ImpactOutbox.Snapshot.Owe(new ImpactSnapshotPayload(trigger));
    }
}

/// <summary>
/// Runs <see cref="ImpactOutbox.Snapshot"/> actions: takes the snapshot, records it as the latest
/// (<see cref="ImpactState"/>), adds an "impact-snapshot" timeline entry and — when it holds orders operations were not
/// sent yet — owes their delivery (<see cref="DeliverExportPayload"/>), all in the transaction that marks it done. The
/// entry says where people download the export (the authenticated route), never a signed link.
/// A retry finds the snapshot this action already took instead of taking another.
/// </summary>
internal sealed class ImpactSnapshotHandler(ImpactSnapshotService snapshots, PeopleLinks links) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken)
    {
        var trigger = ImpactTriggers.Refresh;
        try
        {
            using var payload = JsonDocument.Parse(context.Action.Payload);
            if (payload.RootElement.TryGetProperty("trigger", out var t) && t.GetString() is { Length: > 0 } given)
                trigger = given;
        }
        catch (JsonException e) { throw new PermanentOutboxException($"Bad {ImpactOutbox.Snapshot.Name} payload: {e.Message}", e); }

        SnapshotResult result;
        try
        {
            result = await snapshots.TakeAsync(context.Incident.Id, trigger, context.Action.Id, cancellationToken);
        }
        catch (IncidentNotFoundException e) { throw new PermanentOutboxException(e.Message, e); }
        // Another snapshot of the incident is running: wait for it (backoff), never park. Its lease is renewed only
        // while it runs and expires LeaseSeconds after its holder dies, so the wait ends.
        catch (ImpactBusyException e) { throw new OutboxWaitException(e.Message, e); }

        if (result.Snapshot is not { } s)
            // the final status email waits for the resolution's snapshot: say there is none
            return trigger == ImpactTriggers.Resolved
                ? new OutboxOutcome($"No snapshot: {result.Skipped}.",
                    TimelineText: $"No impact snapshot at resolution: {result.Skipped}.",
                    TimelineKind: TimelineKinds.ImpactSkipped)
                : OutboxOutcome.Done($"No snapshot: {result.Skipped}.");

        var latest = StateChange.Of<ImpactState>(state =>
        {
            if (state.LatestSequence > s.Sequence) return; // a later snapshot was recorded first: it stays the latest
            (state.LatestSequence, state.LatestSnapshotId, state.LatestTakenAt, state.Orders, state.NewOrders) =
                (s.Sequence, s.SnapshotId, s.TakenAt, s.Orders, s.NewOrders);
            state.Snapshots = Math.Max(state.Snapshots, s.Sequence);
        });
        // Operations get a list when it holds orders they have not been sent yet, or when it corrects the one they have
        // (a correction may only remove orders); otherwise the snapshot itself (and its Teams reply) records that
        // nothing changed.
        var corrected = s.Trigger == ImpactTriggers.Correction && s.Supersedes is not null;
        IReadOnlyList<(string, string)>? delivery = s.NewOrders == 0 && !corrected ? null :
            [ImpactOutbox.DeliverExport.Owe(new DeliverExportPayload(s.SnapshotId, s.Container, s.BlobName, s.SizeBytes, s.Orders, s.NewOrders)
            {
                Supersedes = corrected ? s.Supersedes : null,
                RemovedRowCount = corrected ? s.NoLongerAffected : 0,
                MoneyAtRisk = MoneyLines(s),
            })];
        return new OutboxOutcome($"snapshot {s.SnapshotId}: {s.Orders} orders -> {s.Container}/{s.BlobName}",
            TimelineText: Describe(s, links.Export(s.PartitionKey, s.SnapshotId)),
            TimelineKind: TimelineKinds.ImpactSnapshot, State: [latest], Owes: delivery);
    }

    /// <summary>
    /// Money at risk by measure ("Underpaid", "Order value at risk", "Amount stuck"); one unnamed line for snapshots
    /// recorded before measures.
    /// </summary>
    public static IReadOnlyList<MoneyLine> MoneyLines(ImpactSnapshotRecord s)
    {
        var byMeasure = s.MoneyByMeasure();
        if (byMeasure.Count > 0) return byMeasure.Select(m => new MoneyLine(m.Measure.Label(), m.Amounts)).ToList();
        var money = s.MoneyAtRisk();
        return money.Count == 0 ? []
            : [new MoneyLine("Money at risk", new SortedDictionary<string, decimal>(money, StringComparer.Ordinal))];
    }

    /// <summary>"EUR 1,234.50, GBP 10.00" (currencies in order).</summary>
    public static string Amounts(IReadOnlyDictionary<string, decimal> amounts, string format = "N2") =>
        string.Join(", ", amounts.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => $"{m.Key} {m.Value.ToString(format, CultureInfo.InvariantCulture)}"));

    /// <param name="download">The authenticated download route of the export
    /// (<see cref="PeopleLinks.Export"/>).</param>
    public static string Describe(ImpactSnapshotRecord s, string download)
    {
        const string Exact = "#,0.00##########";
        var inv = CultureInfo.InvariantCulture;
        var money = MoneyLines(s);
        var applied = s.Applied();
        var parts = new List<string>
        {
            $"Impact snapshot {s.SnapshotId} ({s.Trigger}): {s.Orders.ToString("N0", inv)} affected orders ({s.NewOrders.ToString("N0", inv)} new since the last export)",
            $"{(s.CustomersApproximate ? "~" : "")}{s.Customers.ToString("N0", inv)} customers",
            money.Count == 0 ? "no money at risk" : $"at risk {Amounts(s.MoneyAtRisk(), Exact)} (" + (money.Count == 1
                ? money[0].Measure.ToLowerInvariant()
                : string.Join("; ", money.Select(m => $"{m.Measure.ToLowerInvariant()} {Amounts(m.Amounts, Exact)}")))
                    + ")",
        };
        if (applied.Count > 0) parts.Add("rules "
            + string.Join("; ", applied.Select(a => $"{a.Name} ({a.SelectedBy}: {a.Why})")));
        if (s.Supersedes is { } earlier)
            parts.Add($"corrected by {s.CorrectedBy ?? "a responder"}: supersedes snapshot {earlier}, " +
                $"{s.NewOrders.ToString("N0", inv)} orders added, {s.NoLongerAffected.ToString("N0", inv)} removed");
        if (s.FirstOrderAt is { } first && s.LastOrderAt is { } last)
            parts.Add($"orders {first:yyyy-MM-dd HH:mm}–{last:yyyy-MM-dd HH:mm} UTC");
        parts.Add($"window {s.WindowFrom:yyyy-MM-dd HH:mm}–{(s.WindowOpen ? "now" : s.WindowTo.ToString("yyyy-MM-dd HH:mm", inv))} UTC");
        return string.Join(" · ", parts)
            + $". Export ({s.SizeBytes.ToString("N0", inv)} bytes; ops and responders sign in to download it): {download}";
    }
}
