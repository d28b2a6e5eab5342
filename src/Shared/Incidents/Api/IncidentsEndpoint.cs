using AutoResponder.Access;
using AutoResponder.Hosting;
using AutoResponder.Http;
using AutoResponder.Incidents.Actions;
using AutoResponder.Incidents.Resources;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Incidents.Api;

/// <summary>
/// The incident API: the paged list, one incident (with its ETag), its paged timeline, alerts and actions, and
/// the human actions (If-Match honoured). The acting person is the authenticated <see cref="Caller"/> (see
/// <see cref="AccessGate"/>), never a field or header the client chooses.
/// </summary>
internal sealed class IncidentsEndpoint(IncidentStore store, IncidentListQuery list, IncidentPages pages,
    IncidentResources resources,
    IncidentService incidents, IncidentActionRequest actions, IOptions<AutoResponderOptions> options,
    TimeProvider time, ILogger<IncidentsEndpoint> log)
{
    /// <summary>
    /// GET /api/incidents?status=&amp;severity=&amp;service=&amp;since=&amp;limit=&amp;cursor= — newest first; default:
    /// every incident not closed.
    /// </summary>
    public Task<ApiResult> ListAsync(HttpRequest request, CancellationToken ct) => StorageOutage.GuardAsync(async () =>
    {
        var filter = IncidentFilter.Read(request, out var problem);
        if (filter is null) return problem!;
        var page = PageRequest.Read(request, filter.Scope, out problem);
        if (page is null) return problem!;
        return ApiResult.Ok(await list.ReadAsync(filter, page, ct));
    }, log);

    /// <summary>GET /api/incidents/{id} — the incident resource with an ETag header.</summary>
    public Task<ApiResult> GetAsync(string id, CancellationToken ct) => StorageOutage.GuardAsync(async () =>
    {
        if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
        var incident = await store.FindAsync(id, ct);
        return incident is null
            ? Problems.NotFound(id)
            : ApiResult.Ok(await resources.ReadAsync(incident, ct)).WithHeader("ETag", IncidentETag.Of(incident));
    }, log);

    /// <summary>GET /api/incidents/{id}/timeline?limit=&amp;cursor= — oldest first.</summary>
    public Task<ApiResult> TimelineAsync(HttpRequest request, string id, CancellationToken ct) =>
        PageAsync(request, id, "timeline", IncidentRows.TimelinePrefix, page => pages.TimelineAsync(id, page, ct), ct);

    /// <summary>GET /api/incidents/{id}/alerts?limit=&amp;cursor=</summary>
    public Task<ApiResult> AlertsAsync(HttpRequest request, string id, CancellationToken ct) =>
        PageAsync(request, id, "alerts", IncidentRows.AlertPrefix, page => pages.AlertsAsync(id, page, ct), ct);

    /// <summary>GET /api/incidents/{id}/actions?limit=&amp;cursor= — in the order owed.</summary>
    public Task<ApiResult> ActionsAsync(HttpRequest request, string id, CancellationToken ct) =>
        PageAsync(request, id, "actions", IncidentRows.OutboxPrefix, page => pages.ActionsAsync(id, page, ct), ct);

    private Task<ApiResult> PageAsync<T>(HttpRequest request, string id, string resource, string rowPrefix,
        Func<PageRequest, Task<T>> read, CancellationToken ct)
        where T : notnull => StorageOutage.GuardAsync(async () =>
    {
        if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
        var page = PageRequest.Read(request, IncidentPages.Scope(resource, id), out var problem, rowPrefix);
        if (page is null) return problem!;
        if (await store.FindAsync(id, ct) is null) return Problems.NotFound(id);
        return ApiResult.Ok(await read(page));
    }, log);

    /// <summary>{"owner"?}: the owner defaults to the caller; naming someone else hands the incident over.</summary>
    public Task<ApiResult> AcknowledgeAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        ActAsync(request, caller, id, requireBody: false, async (fields, actor, ifMatch) =>
        {
            var body = AcknowledgeRequest.Bind(fields);
            return fields.Error ?? await Done(incidents.AcknowledgeAsync(id, body!.Owner ?? actor, actor, ifMatch, ct),
                ct);
        }, ct);

    public Task<ApiResult> StatusAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        ActAsync(request, caller, id, requireBody: true, async (fields, actor, ifMatch) =>
        {
            var body = StatusUpdateRequest.Bind(fields, time.GetUtcNow());
            return fields.Error ?? await Done(incidents.UpdateStatusAsync(id, body!.Text, body.NextSteps, body.Eta,
                actor, ifMatch, ct), ct);
        }, ct);

    public Task<ApiResult> MitigateAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        NoteAsync(request, caller, id, (note, actor, ifMatch) => incidents.MitigateAsync(id, note, actor, ifMatch, ct),
            ct);

    public Task<ApiResult> ResolveAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        NoteAsync(request, caller, id, (note, actor, ifMatch) => incidents.ResolveAsync(id, note, actor, ifMatch, ct),
            ct);

    public Task<ApiResult> CloseAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        NoteAsync(request, caller, id, (note, actor, ifMatch) => incidents.CloseAsync(id, note, actor, ifMatch, ct),
            ct);

    private Task<ApiResult> NoteAsync(HttpRequest request, Caller caller, string id,
        Func<string?, string, IncidentPrecondition?, Task<IncidentRecord>> action, CancellationToken ct) =>
        ActAsync(request, caller, id, requireBody: false, async (fields, actor, ifMatch) =>
        {
            var body = IncidentNoteRequest.Bind(fields);
            return fields.Error ?? await Done(action(body!.Text, actor, ifMatch), ct);
        }, ct);

    private Task<ApiResult> ActAsync(HttpRequest request, Caller caller, string id, bool requireBody,
        Func<RequestFields, string, IncidentPrecondition?, Task<ApiResult>> act, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, options.Value.MaxRequestBytes, requireBody, act, ct);

    private Task<ApiResult> Done(Task<IncidentRecord> change, CancellationToken ct)
        => actions.RespondWithIncidentAsync(change, ct);
}
