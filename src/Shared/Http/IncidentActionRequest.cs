using AutoResponder.Access;
using AutoResponder.Incidents;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Http;

/// <summary>
/// The shape every "POST /api/incidents/{id}/…" action shares: a plausible id (else 404), a JSON object body
/// (415/413/400), the acting person (always the authenticated <see cref="Caller"/>; an "actor" field in the
/// body is ignored), and the incident's own refusals as 404/409. Storage outages become a 503. The action
/// answers with the incident.
/// </summary>
public sealed class IncidentActionRequest(IncidentStore store, ILogger<IncidentActionRequest> log)
{
    public Task<ApiResult> RunAsync(HttpRequest request, Caller caller, string id, int maxBytes, bool requireBody,
        Func<RequestFields, string, Task<ApiResult>> act, CancellationToken ct) =>
        StorageOutage.GuardAsync(async () =>
        {
            if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
            var body = await JsonBody.ReadAsync(request, maxBytes, allowEmpty: !requireBody, ct);
            if (body.Error is not null) return body.Error;
            using var document = body.Document!;
            if (RequestFields.RequireObject(document.RootElement) is { } notObject) return notObject;

            var fields = new RequestFields(document.RootElement);
            try
            {
                return await act(fields, caller.Name);
            }
            catch (IncidentNotFoundException) { return Problems.NotFound(id); }
            catch (InvalidTransitionException e) { return Problems.Conflict(e); }
        }, log);

    /// <summary>Runs the change and answers 200 with the incident as it is now (timeline included).</summary>
    public async Task<ApiResult> RespondWithIncidentAsync(Task<IncidentRecord> change, CancellationToken ct)
    {
        var incident = await change;
        var details = await store.GetDetailsAsync(incident.Id, ct);
        return ApiResult.Ok(IncidentJson.ToDetails(details!));
    }
}
