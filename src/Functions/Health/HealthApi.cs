using AutoResponder.Functions.Api;
using AutoResponder.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Health;

/// <summary>
/// GET /api/health (public for probes: status only; details for people who may read) as declared in
/// <see cref="HealthRoutes"/>.
/// </summary>
public sealed class HealthApi
{
    [Function(HealthRoutes.GetHealth)]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = HealthRoutes.GetHealthPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(HealthRoutes.GetHealth, request, context);
}
