using AutoResponder.Access;
using AutoResponder.Changes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Changes;

/// <summary>The change routes; each passes the gate and forwards to <see cref="ChangesEndpoint"/>.</summary>
public sealed class ChangesApi(AccessGate gate, ChangesEndpoint endpoint)
{
    /// <summary>POST /api/changes: for CI (GitHub, Azure DevOps); the Functions runtime checks the function key (header or ?code=).</summary>
    [Function(ApiRoutes.ReceiveChanges)]
    public async Task<IActionResult> Receive([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/changes")] HttpRequest request, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.ReceiveChanges, _ => endpoint.PostAsync(request, ct));

    [Function(ApiRoutes.GetIncidentChanges)]
    public async Task<IActionResult> Suspects([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/changes")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetIncidentChanges, _ => endpoint.SuspectsAsync(id, ct));
}
