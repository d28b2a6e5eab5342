using AutoResponder.Access;
using AutoResponder.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Health;

/// <summary>GET /api/health (public for probes: status only; details for people who may read); forwards to <see cref="HealthEndpoint"/>.</summary>
public sealed class HealthApi(AccessGate gate, HealthEndpoint endpoint)
{
    [Function(ApiRoutes.GetHealth)]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetHealth, caller => endpoint.GetAsync(caller, ct));
}
