using AutoResponder.Impact;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Impact;

/// <summary>The impact routes; each forwards to <see cref="ImpactEndpoint"/>.</summary>
public sealed class ImpactApi(ImpactEndpoint endpoint)
{
    [Function("GetIncidentImpact")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/incidents/{id}/impact")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.GetAsync(id, ct);

    [Function("RefreshIncidentImpact")]
    public async Task<IActionResult> Refresh([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/impact/refresh")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.RefreshAsync(request, id, ct);
}
