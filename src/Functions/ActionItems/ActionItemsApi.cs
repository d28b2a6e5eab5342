using AutoResponder.Access;
using AutoResponder.ActionItems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.ActionItems;

/// <summary>The action-item routes; each passes the gate and forwards to <see cref="ActionItemsEndpoint"/>.</summary>
public sealed class ActionItemsApi(AccessGate gate, ActionItemsEndpoint endpoint)
{
    [Function(ApiRoutes.AddActionItem)]
    public async Task<IActionResult> Add([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/action-items")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.AddActionItem, caller => endpoint.AddAsync(request, caller, id, ct));

    [Function(ApiRoutes.UpdateActionItemStatus)]
    public async Task<IActionResult> Status([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/action-items/{item}/status")] HttpRequest request, string id, string item, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.UpdateActionItemStatus, caller => endpoint.StatusAsync(request, caller, id, item, ct));

    [Function(ApiRoutes.ListActionItems)]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/action-items")] HttpRequest request, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.ListActionItems, _ => endpoint.ListAsync(request, ct));
}
