using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Actions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Watch;

/// <summary>The watch as the API shows it.</summary>
internal sealed record WatchJson(string IncidentId, bool Running, string? Phase, DateTimeOffset? StartedAt,
    DateTimeOffset? Until, string? WatchedBy,
    DateTimeOffset? CheckedThrough, long OrdersChecked, long AffectedOrders);

/// <summary>POST …/watch/handover body (documented shape).</summary>
internal sealed record WatchHandoverRequest(string To, string? Note = null);

/// <summary>POST …/watch/signoff body (documented shape).</summary>
internal sealed record WatchSignoffRequest(string? Text = null);

/// <summary>
/// GET /api/incidents/{id}/watch, POST …/watch/handover {"to", "note"?}, POST …/watch/signoff {"text"?}.
/// </summary>
internal sealed class WatchEndpoint(WatchService watch, IncidentStore incidents, IncidentActionRequest actions,
    ILogger<WatchEndpoint> log)
{
    private const int MaxBodyBytes = 16 * 1024;

    public Task<ApiResult> GetAsync(string id, CancellationToken ct) => StorageOutage.GuardAsync(async () =>
    {
        if (!IncidentIds.LooksValid(id) || await incidents.FindAsync(id, ct) is null) return Problems.NotFound(id);
        return ApiResult.Ok(ToJson(id, await watch.GetAsync(id, ct)));
    }, log);

    public Task<ApiResult> HandOverAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: true, async (fields, actor, ifMatch) =>
        {
            var to = fields.String("to", required: true, maxLength: 200);
            var note = fields.String("note", required: false, maxLength: 1000);
            if (fields.Error is not null) return fields.Error;
            return await Guard(id, async () =>
                ToJson(id, await watch.HandOverAsync(id, to!, note, actor, ifMatch, ct)));
        }, ct);

    public Task<ApiResult> SignOffAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: false, async (fields, actor, ifMatch) =>
        {
            var text = fields.String("text", required: false, maxLength: 2000);
            if (fields.Error is not null) return fields.Error;
            return await Guard(id, async () => ToJson(id, await watch.SignOffAsync(id, text, actor, ifMatch, ct)) with { Running = false });
        }, ct);

    private static async Task<ApiResult> Guard(string id, Func<Task<WatchJson>> act)
    {
        try { return ApiResult.Ok(await act()); }
        catch (NoWatchException e) { return Problems.Create(StatusCodes.Status409Conflict, "No watch running", e.Message, "watch"); }
        catch (IncidentConcurrencyException) { return Problems.Unavailable($"The watch of {id} is changing under contention; retry shortly."); }
    }

    private static WatchJson ToJson(string id, WatchRecord? w) => w is null
        ? new WatchJson(id, false, null, null, null, null, null, 0, 0)
        : new WatchJson(id, true, w.Phase, w.StartedAt, w.Until, w.WatchedBy, w.CheckedThrough, w.OrdersChecked,
            w.AffectedOrders);
}
