using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Actions;
using AutoResponder.Incidents.Resources;
using AutoResponder.Links;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

/// <summary>
/// POST /api/incidents/{id}/impact/rules body: rules to add to the automatic selection and rules to leave out (names of
/// configured rules).
/// </summary>
internal sealed record CorrectImpactRulesRequest(IReadOnlyList<string>? Choose, IReadOnlyList<string>? Exclude);

/// <summary>
/// GET /api/incidents/{id}/impact, POST /api/incidents/{id}/impact/refresh and POST /api/incidents/{id}/impact/rules.
/// A refresh does not export inside the HTTP request (a million-row export outlives an HTTP timeout): it takes
/// the incident's impact lease as "requested" (a second refresh meanwhile is a 409), checks that the order store
/// answers (503 if not), and commits an "impact-refresh-requested" timeline entry, whose outbox action takes the
/// snapshot with the same retries, lease and visibility as the automatic ones. 202 + where to watch.
/// A correction of the rules is the same, plus the responder's choice (<see cref="ImpactRulesState"/>) written in the
/// transaction of its "impact-rules-corrected" entry; its snapshot supersedes the previous one and goes to operations.
/// GET /api/incidents/{id}/impact/snapshots/{snapshot}/export streams one export's CSV from the private container to a
/// signed-in ops or responder caller and records the download on the timeline (who, when, which snapshot). Nothing
/// signed leaves the app: the JSON names that route, not a storage link.
/// </summary>
public sealed class ImpactEndpoint(
    IncidentStore incidents,
    IncidentCommits commits,
    IncidentStates states,
    IncidentActionRequest actions,
    ImpactSnapshotStore snapshots,
    ImpactSnapshotService service,
    ExportBlobs exports,
    IOrderSource orders,
    IOptions<ImpactOptions> options,
    TimeProvider time,
    ILogger<ImpactEndpoint> log)
{
    private const int MaxBodyBytes = 16 * 1024;

    public sealed record WindowJson(DateTimeOffset From, DateTimeOffset To, bool Open, bool Truncated);
    /// <summary>
    /// The snapshot's CSV: its size and the authenticated route that downloads it (roles ops or responder).
    /// </summary>
    public sealed record ExportJson(long SizeBytes, string Download);
    /// <summary>
    /// A rule that applies: its kind, what its money at risk means (<c>underpaid</c>, <c>orderValue</c> or
    /// <c>amountStuck</c>), who selected it (<c>alert</c>: a matcher on what the alert says; <c>service</c>: a
    /// service-only rule; <c>catch-all</c>; <c>responder</c>: chosen on the incident) and why (the matcher that fitted,
    /// and the alert's title).
    /// </summary>
    public sealed record RuleJson(string Name, string Kind, string MoneyAtRisk, string SelectedBy, string Why);
    /// <summary>
    /// A rule as a snapshot applied it, with the orders it claimed and their money at risk per currency.
    /// </summary>
    public sealed record SnapshotRuleJson(string Name, string Kind, string MoneyAtRisk, string SelectedBy, string Why,
        long Orders, IReadOnlyDictionary<string, decimal> Amounts);
    /// <summary>A snapshot taken after a responder corrected the rules: who, and the snapshot it supersedes.</summary>
    public sealed record SnapshotCorrectionJson(string? By, string? Supersedes);
    public sealed record SnapshotJson(string SnapshotId, string Trigger, DateTimeOffset TakenAt, WindowJson Window,
        IReadOnlyList<string> Rules,
        IReadOnlyList<SnapshotRuleJson> Applied, SnapshotCorrectionJson? Correction,
        long Orders, long Customers, bool CustomersApproximate, long NewOrders, long NoLongerAffected,
        IReadOnlyDictionary<string, decimal> MoneyAtRisk, IReadOnlyDictionary<string, long> OrdersByRule,
        DateTimeOffset? FirstOrderAt, DateTimeOffset? LastOrderAt, ExportJson Export);
    public sealed record LeaseJson(string State, DateTimeOffset Until);
    /// <summary>A configured rule a responder may choose or exclude.</summary>
    public sealed record ConfiguredRuleJson(string Name, string Kind, string MoneyAtRisk);
    /// <summary>The responder's correction in force: rules chosen and excluded, by whom, when.</summary>
    public sealed record CorrectionJson(IReadOnlyList<string> Chosen, IReadOnlyList<string> Excluded, string? By,
        DateTimeOffset? At);
    public sealed record ImpactJson(string IncidentId, IReadOnlyList<string> Rules, IReadOnlyList<RuleJson> Applied,
        CorrectionJson? Correction,
        IReadOnlyList<ConfiguredRuleJson> Configured, WindowJson Window, SnapshotJson? Latest,
        IReadOnlyList<SnapshotJson> Snapshots, LeaseJson? InProgress);
    public sealed record RefreshJson(string IncidentId, string Status, string? ActionId, string Impact);
    /// <summary>
    /// A correction accepted: the rules the corrected snapshot will apply, and the action that takes it.
    /// </summary>
    public sealed record CorrectionAcceptedJson(string IncidentId, string Status, string? ActionId,
        IReadOnlyList<RuleJson> Rules, string Impact);

    public static RuleJson ToJson(SelectedRule s)
        => new(s.Rule.Name, s.Rule.Kind.ToString(), s.Rule.Measure.ToApi(), s.SelectedBy, s.Why);

    public static SnapshotJson ToJson(string id, ImpactSnapshotRecord s)
    {
        var orders = s.OrdersByRule();
        var money = s.MoneyByRule();
        return new SnapshotJson(s.SnapshotId, s.Trigger, s.TakenAt,
            new WindowJson(s.WindowFrom, s.WindowTo, s.WindowOpen, s.WindowTruncated),
            s.Rules.Split(',', StringSplitOptions.RemoveEmptyEntries),
            s.Applied().Select(a => new SnapshotRuleJson(a.Name, a.Kind, a.Measure, a.SelectedBy, a.Why,
                orders.GetValueOrDefault(a.Name),
                money.TryGetValue(a.Name, out var amounts) ? amounts : new Dictionary<string, decimal>())).ToList(),
            s.Trigger == ImpactTriggers.Correction ? new SnapshotCorrectionJson(s.CorrectedBy, s.Supersedes) : null,
            s.Orders, s.Customers, s.CustomersApproximate, s.NewOrders, s.NoLongerAffected,
            s.MoneyAtRisk(), orders, s.FirstOrderAt, s.LastOrderAt,
            new ExportJson(s.SizeBytes, PeopleLinks.ExportPath(id, s.SnapshotId)));
    }

    /// <summary>
    /// GET /api/incidents/{id}/impact — the rules that apply and why, the latest summary, the snapshot history (newest
    /// first) and each export's download route.
    /// </summary>
    public Task<ApiResult> GetAsync(string id, CancellationToken ct)
        => StorageOutage.GuardAsync(() => GetCoreAsync(id, ct), log);

    private async Task<ApiResult> GetCoreAsync(string id, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
        var details = await incidents.GetDetailsAsync(id, ct);
        if (details is null) return Problems.NotFound(id);

        var history = await snapshots.ListAsync(id, ct);
        var lease = await snapshots.GetLeaseAsync(id, ct);
        var shown = Enumerable.Reverse(history).Select(s => ToJson(id, s)).ToList();
        var correction = await service.CorrectionAsync(id, ct);
        var selected = service.Select(details, correction);
        var window = service.WindowFor(details.Incident);
        var now = time.GetUtcNow();
        return ApiResult.Ok(new ImpactJson(id, selected.Select(r => r.Rule.Name).ToArray(),
            selected.Select(ToJson).ToList(),
            correction.IsNone ? null
                : new CorrectionJson(correction.Chosen, correction.Excluded, correction.By, correction.At),
            service.Rules.Select(r => new ConfiguredRuleJson(r.Name, r.Kind.ToString(), r.Measure.ToApi())).ToList(),
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
        if ((await service.SelectAsync(details, ct)).Count == 0)
            return Problems.Invalid("AutoResponder:Impact:Rules",
                $"No impact rule applies to incident {id} (service '{details.Incident.Service}', rule " +
                $"'{details.Incident.Rule}'); configure one under AutoResponder:Impact:Rules, or choose one (POST " +
                $"/api/incidents/{id}/impact/rules).");

        var queued = await QueueSnapshotAsync(id, change =>
            change.Add(time.GetUtcNow(), TimelineKinds.ImpactRefreshRequested, actor,
                "Impact refresh requested: a new snapshot and export will follow."), ct);
        if (queued.Problem is { } problem) return problem;
        log.LogInformation("Impact refresh of {IncidentId} requested by {Actor}", id, actor);
        return ApiResult.Accepted(new RefreshJson(id, "requested", queued.ActionId, $"/api/incidents/{id}/impact"));
    }

    /// <summary>
    /// POST /api/incidents/{id}/impact/rules {"choose": [...], "exclude": [...]} — the responder corrects which rules
    /// apply: chosen rules are added to the automatic selection (and claim orders first), excluded ones left out; the
    /// request states the whole correction (empty arrays: back to the automatic selection). 202 when the corrected
    /// snapshot is queued; 422 (field choose or exclude) for an unknown rule, a rule in both lists, or a correction
    /// that leaves no rule.
    /// </summary>
    public Task<ApiResult> CorrectRulesAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: true, async (fields, actor, ifMatch) =>
        {
            var max = Math.Max(1, service.Rules.Count);
            var choose = fields.Strings("choose", max);
            var exclude = fields.Strings("exclude", max);
            if (fields.Error is not null) return fields.Error;
            if (choose is null && exclude is null) return Problems.Missing("choose");
            return await CorrectAsync(actor, id, choose ?? [], exclude ?? [], ifMatch, ct);
        }, ct);

    /// <summary>
    /// The console's form: the rules the responder ticked (<paramref name="apply"/>) become the correction — ticked
    /// rules the automatic selection lacks are chosen, automatic ones left unticked are excluded. Same checks and
    /// answers as the API.
    /// </summary>
    public Task<ApiResult> ApplyRulesAsync(Caller caller, string id, IReadOnlyList<string> apply,
        CancellationToken ct) =>
        StorageOutage.GuardAsync(async () =>
        {
            if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
            var details = await incidents.GetDetailsAsync(id, ct);
            if (details is null) return Problems.NotFound(id);
            var automatic = service.Select(details, ImpactCorrection.None).Select(r => r.Rule.Name).ToList();
            var choose = apply.Where(n => !automatic.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
            var exclude = automatic.Where(n => !apply.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
            return await CorrectAsync(caller.Name, id, choose, exclude, null, ct);
        }, log);

    private async Task<ApiResult> CorrectAsync(string actor, string id, IReadOnlyList<string> choose,
        IReadOnlyList<string> exclude, IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        if (service.Rules.Count == 0)
            return Problems.Invalid("AutoResponder:Impact:Rules",
                "No impact rule is configured; configure them under AutoResponder:Impact:Rules.");
        var known = service.Rules.Select(r => r.Name).ToArray();
        foreach (var (list, field) in new[] { (choose, "choose"), (exclude, "exclude") })
            if (list.FirstOrDefault(n => !known.Contains(n, StringComparer.OrdinalIgnoreCase)) is { } unknown)
                return Problems.Invalid(field,
                    $"'{unknown}' is not a configured impact rule; the rules are: {string.Join(", ", known)}.");
        if (choose.FirstOrDefault(n => exclude.Contains(n, StringComparer.OrdinalIgnoreCase)) is { } both)
            return Problems.Invalid("exclude", $"'{both}' is both chosen and excluded.");

        var details = await incidents.GetDetailsAsync(id, ct);
        if (details is null) return Problems.NotFound(id);
        ifMatch?.Check(details.Incident); // If-Match, when given: 412 if the incident changed since it was read
        List<string> Canonical(IReadOnlyList<string> names)
            => known.Where(k => names.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        var at = time.GetUtcNow();
        var correction = new ImpactCorrection(Canonical(choose), Canonical(exclude), actor, at);
        var selected = service.Select(details, correction);
        if (selected.Count == 0)
            return Problems.Invalid("exclude",
                $"With this correction no impact rule would apply to incident {id}; choose one of: " +
                $"{string.Join(", ", known)}.");

        var row = await states.ReadAsync<ImpactRulesState>(id, ct);
        row.ChosenJson = JsonSerializer.Serialize(correction.Chosen);
        row.ExcludedJson = JsonSerializer.Serialize(correction.Excluded);
        (row.By, row.At) = (actor, at);
        row.Corrections++;
        var latest = (await snapshots.ListAsync(id, ct)).LastOrDefault();
        var what = new[]
        {
            correction.Chosen.Count > 0 ? "chose " + string.Join(", ", correction.Chosen) : null,
            correction.Excluded.Count > 0 ? "excluded " + string.Join(", ", correction.Excluded) : null,
        }.OfType<string>().ToList();
        var text = $"Impact rules corrected by {actor}: " +
            $"{(what.Count == 0 ? "back to the automatic selection" : string.Join("; ", what))}. " +
            $"Applying: {string.Join(", ", selected.Select(s => s.Rule.Name))}. A corrected snapshot follows" +
            (latest is null ? "." : $"; its export supersedes snapshot {latest.SnapshotId} and goes to operations.");
        var queued = await QueueSnapshotAsync(id, change =>
        {
            change.States.Add(row);
            change.Add(at, TimelineKinds.ImpactRulesCorrected, actor, text);
        }, ct);
        if (queued.Problem is { } problem) return problem;
        log.LogInformation("Impact rules of {IncidentId} corrected by {Actor}: {Rules}", id, actor,
            string.Join(",", selected.Select(s => s.Rule.Name)));
        return ApiResult.Accepted(new CorrectionAcceptedJson(id, "requested", queued.ActionId,
            selected.Select(ToJson).ToList(), $"/api/incidents/{id}/impact"));
    }

    /// <summary>
    /// Takes the impact lease as "requested" (409 while a snapshot runs or is requested), checks the order store (503),
    /// then commits the change <paramref name="describe"/> fills beside the incident row; its timeline entry owes the
    /// snapshot.
    /// </summary>
    private async Task<(ApiResult? Problem, string? ActionId)> QueueSnapshotAsync(string id,
        Action<IncidentChange> describe, CancellationToken ct)
    {
        var current = await snapshots.GetLeaseAsync(id, ct);
        if (current is { } busy && busy.Until > time.GetUtcNow()) return (Busy(id, busy), null);
        try
        {
            await orders.CheckAvailableAsync(ct);
        }
        catch (OrderSourceUnavailableException e)
        {
            log.LogWarning(e, "Impact snapshot of {IncidentId} refused: the order store is unreachable", id);
            return (Problems.Unavailable($"The order store is unreachable, so no snapshot was queued: {e.Message}"),
                null);
        }

        ImpactLeaseRecord lease;
        try
        {
            lease = await snapshots.AcquireAsync(id, ImpactLeaseRecord.Requested, $"refresh/{Guid.NewGuid():N}",
                TimeSpan.FromSeconds(options.Value.LeaseSeconds), ct);
        }
        catch (ImpactBusyException e) { return (Busy(id, e.Lease), null); }

        var change = IncidentChange.Beside(id);
        describe(change);
        try
        {
            await commits.CommitAsync(change, ct);
        }
        catch (IncidentConcurrencyException)
        {
            await snapshots.ReleaseAsync(lease, CancellationToken.None);
            return (Problems.Unavailable($"The impact of {id} was being changed at the same time; retry shortly."),
                null);
        }
        catch
        {
            await snapshots.ReleaseAsync(lease, CancellationToken.None);
            throw;
        }
        var action = change.Actions.FirstOrDefault(a => a.Kind == ImpactOutbox.Snapshot.Name);
        return (null, action is null ? null : ActionItem.IdOf(action.RowKey));
    }

    /// <summary>
    /// GET /api/incidents/{id}/impact/snapshots/{snapshot}/export — the CSV, streamed from the private container (never
    /// buffered, never redirected to a signed link). The download is recorded on the timeline before the first byte is
    /// sent: an "export-downloaded" entry naming the caller and the snapshot. 404 (field id or snapshot) when there is
    /// no such incident, snapshot or export blob.
    /// </summary>
    public async Task<FileDownload> ExportAsync(Caller caller, string id, string snapshot, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return FileDownload.Problem(Problems.NotFound(id));
        if (!int.TryParse(snapshot, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var sequence) || sequence < 1)
            return FileDownload.Problem(NoSnapshot(id, snapshot));
        var row = await snapshots.Table.GetEntityIfExistsAsync<ImpactSnapshotRecord>(id,
            ImpactSnapshotRecord.Key(sequence), cancellationToken: ct);
        if (!row.HasValue || row.Value is not { } s)
            return FileDownload.Problem(await incidents.FindAsync(id, ct) is null
                ? Problems.NotFound(id) : NoSnapshot(id, snapshot));

        var blob = await exports.OpenAsync(s.BlobName, ct);
        if (blob is null)
            return FileDownload.Problem(Problems.Create(StatusCodes.Status404NotFound, "Export not found",
                $"The export of snapshot {s.SnapshotId} of incident {id} is no longer stored.", "snapshot"));
        try
        {
            var change = IncidentChange.Beside(id);
            change.Add(time.GetUtcNow(), TimelineKinds.ExportDownloaded, caller.Name,
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Export of impact snapshot {s.SnapshotId} ({s.Orders:N0} orders, {s.SizeBytes:N0} bytes) " +
                    $"downloaded by {caller.Name}."));
            await commits.CommitAsync(change, ct);
        }
        catch
        {
            await blob.Content.DisposeAsync();
            throw;
        }
        log.LogInformation("Export {Snapshot} of {IncidentId} downloaded by {Caller}", s.SnapshotId, id, caller.Name);
        return FileDownload.Attachment(blob.Content, "text/csv; charset=utf-8", $"{id}-impact-{s.SnapshotId}.csv",
            blob.Details.ContentLength);
    }

    private static ApiResult NoSnapshot(string id, string snapshot)
        => Problems.Create(StatusCodes.Status404NotFound, "Snapshot not found",
        $"Incident {id} has no impact snapshot '{snapshot}'; GET /api/incidents/{id}/impact lists them.", "snapshot");

    private static ApiResult Busy(string id, ImpactLeaseRecord lease)
        => Problems.Create(StatusCodes.Status409Conflict, "Snapshot in progress",
        $"An impact snapshot of incident {id} is already {lease.State}; try again after it finishes (lease until " +
        $"{lease.Until:O}).", "id");
}
