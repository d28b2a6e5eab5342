using AutoResponder.Access;
using AutoResponder.Watch;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Watch;

/// <summary>The watch routes; each passes the gate and forwards to <see cref="WatchEndpoint"/>.</summary>
public sealed class WatchApi(AccessGate gate, WatchEndpoint endpoint)
{
    [Function(ApiRoutes.GetIncidentWatch)]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/watch")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetIncidentWatch, _ => endpoint.GetAsync(id, ct));

    [Function(ApiRoutes.HandOverIncidentWatch)]
    public async Task<IActionResult> HandOver([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/watch/handover")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.HandOverIncidentWatch, caller => endpoint.HandOverAsync(request, caller, id, ct));

    [Function(ApiRoutes.SignOffIncidentWatch)]
    public async Task<IActionResult> SignOff([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/watch/signoff")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.SignOffIncidentWatch, caller => endpoint.SignOffAsync(request, caller, id, ct));
}
