using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Http;

/// <summary>
/// The incident API: list, read, and the human actions. The acting person is the authenticated
/// <see cref="Caller"/> (see <see cref="AccessGate"/>), never a field or header the client chooses.
/// </summary>
public sealed class IncidentsEndpoint(IncidentStore store, IncidentIndex index, IncidentService incidents, IncidentActionRequest actions,
    IOptions<AutoResponderOptions> options, ILogger<IncidentsEndpoint> log)
{
    private const int MaxList = 500;

    public sealed record ListResponse(IReadOnlyList<IncidentJson.Summary> Incidents);

    /// <summary>GET /api/incidents?status=open,acknowledged&amp;limit=50 — default: every incident not yet closed.</summary>
    public Task<ApiResult> ListAsync(HttpRequest request, CancellationToken ct) => StorageOutage.GuardAsync(() => ListCoreAsync(request, ct), log);

    private async Task<ApiResult> ListCoreAsync(HttpRequest request, CancellationToken ct)
    {
        var statuses = new HashSet<IncidentStatus>();
        foreach (var part in request.Query["status"].SelectMany(s => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!IncidentStatusText.TryParse(part, out var status))
                return Problems.Invalid("status", $"'{part}' is not a status: use open, acknowledged, mitigated, resolved or closed.");
            statuses.Add(status);
        }
        var limit = 100;
        if (request.Query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, out limit) || limit is < 1 or > MaxList))
            return Problems.Invalid("limit", $"'limit' must be a whole number from 1 to {MaxList}.");

        var listings = new List<IncidentListing>();
        if (statuses.Count == 0 || statuses.Any(s => s != IncidentStatus.Closed))
            listings.AddRange(await index.ListAsync(IncidentIndex.ActivePartition, MaxList, ct));
        if (statuses.Contains(IncidentStatus.Closed))
            listings.AddRange(await index.ListAsync(IncidentIndex.ClosedPartition, limit, ct));

        var records = await Task.WhenAll(listings.Select(l => l.IncidentId).Distinct().Select(id => store.FindAsync(id, ct)));
        var shown = records.OfType<IncidentRecord>()
            .Where(i => statuses.Count == 0 ? i.Status != IncidentStatus.Closed : statuses.Contains(i.Status))
            .OrderBy(i => i.Severity).ThenByDescending(i => i.OpenedAt)
            .Take(limit)
            .Select(IncidentJson.ToSummary)
            .ToList();
        return ApiResult.Ok(new ListResponse(shown));
    }

    /// <summary>GET /api/incidents/{id}</summary>
    public Task<ApiResult> GetAsync(string id, CancellationToken ct) => StorageOutage.GuardAsync(async () =>
    {
        if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
        var details = await store.GetDetailsAsync(id, ct);
        return details is null ? Problems.NotFound(id) : ApiResult.Ok(IncidentJson.ToDetails(details));
    }, log);

    /// <summary>{"owner"?}: the owner defaults to the caller; naming someone else hands the incident over.</summary>
    public Task<ApiResult> AcknowledgeAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        ActAsync(request, caller, id, requireBody: false, async (fields, actor) =>
        {
            var owner = fields.String("owner", required: false, maxLength: 200) ?? actor;
            return fields.Error ?? await Done(incidents.AcknowledgeAsync(id, owner, actor, ct), ct);
        }, ct);

    public Task<ApiResult> StatusAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        ActAsync(request, caller, id, requireBody: true, async (fields, actor) =>
        {
            var text = fields.String("text", required: true);
            var nextSteps = fields.String("nextSteps", required: false);
            var eta = fields.DateTime("eta");
            return fields.Error ?? await Done(incidents.UpdateStatusAsync(id, text!, nextSteps, eta, actor, ct), ct);
        }, ct);

    public Task<ApiResult> MitigateAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        SimpleAsync(request, caller, id, (text, actor) => incidents.MitigateAsync(id, text, actor, ct), ct);

    public Task<ApiResult> ResolveAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        SimpleAsync(request, caller, id, (text, actor) => incidents.ResolveAsync(id, text, actor, ct), ct);

    public Task<ApiResult> CloseAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        SimpleAsync(request, caller, id, (text, actor) => incidents.CloseAsync(id, text, actor, ct), ct);

    private Task<ApiResult> SimpleAsync(HttpRequest request, Caller caller, string id, Func<string?, string, Task<IncidentRecord>> action, CancellationToken ct) =>
        ActAsync(request, caller, id, requireBody: false, async (fields, actor) =>
        {
            var text = fields.String("text", required: false);
            return fields.Error ?? await Done(action(text, actor), ct);
        }, ct);

    private Task<ApiResult> ActAsync(HttpRequest request, Caller caller, string id, bool requireBody, Func<RequestFields, string, Task<ApiResult>> act, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, options.Value.MaxRequestBytes, requireBody, act, ct);

    private Task<ApiResult> Done(Task<IncidentRecord> change, CancellationToken ct) => actions.RespondWithIncidentAsync(change, ct);
}
