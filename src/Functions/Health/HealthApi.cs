using AutoResponder.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Health;

/// <summary>GET /api/health; forwards to <see cref="HealthEndpoint"/>.</summary>
public sealed class HealthApi(HealthEndpoint endpoint)
{
    [Function("GetHealth")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/health")] HttpRequest request, CancellationToken ct) =>
        await endpoint.GetAsync(ct);
}
