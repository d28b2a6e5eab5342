using AutoResponder.Access;
using AutoResponder.Outbox;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Outbox;

/// <summary>Re-drive parked actions; each passes the gate (responder) and forwards to <see cref="OutboxRetryEndpoint"/>.</summary>
public sealed class OutboxRetryApi(AccessGate gate, OutboxRetryEndpoint endpoint)
{
    [Function(ApiRoutes.RetryParkedActions)]
    public async Task<IActionResult> RetryAll([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/actions/retry")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.RetryParkedActions, caller => endpoint.RetryAllAsync(request, caller, id, ct));

    [Function(ApiRoutes.RetryParkedAction)]
    public async Task<IActionResult> RetryOne([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/actions/{actionId}/retry")] HttpRequest request, string id, string actionId, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.RetryParkedAction, caller => endpoint.RetryOneAsync(request, caller, id, actionId, ct));
}
