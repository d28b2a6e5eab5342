using AutoResponder.Outbox;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Outbox;

/// <summary>Re-drive parked actions; each forwards to <see cref="OutboxRetryEndpoint"/>.</summary>
public sealed class OutboxRetryApi(OutboxRetryEndpoint endpoint)
{
    [Function("RetryParkedActions")]
    public async Task<IActionResult> RetryAll([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/actions/retry")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.RetryAllAsync(request, id, ct);

    [Function("RetryParkedAction")]
    public async Task<IActionResult> RetryOne([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/actions/{actionId}/retry")] HttpRequest request, string id, string actionId, CancellationToken ct) =>
        await endpoint.RetryOneAsync(request, id, actionId, ct);
}
