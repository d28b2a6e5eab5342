using AutoResponder.Watch;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Watch;

/// <summary>The watch routes; each forwards to <see cref="WatchEndpoint"/>.</summary>
public sealed class WatchApi(WatchEndpoint endpoint)
{
    [Function("GetIncidentWatch")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/incidents/{id}/watch")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.GetAsync(id, ct);

    [Function("HandOverIncidentWatch")]
    public async Task<IActionResult> HandOver([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/watch/handover")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.HandOverAsync(request, id, ct);

    [Function("SignOffIncidentWatch")]
    public async Task<IActionResult> SignOff([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/watch/signoff")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.SignOffAsync(request, id, ct);
}

/// <summary>Every minute: runs the impact rules of watched incidents on their new orders.</summary>
public sealed class CheckWatches(WatchJob job)
{
    [Function(nameof(CheckWatches))]
    public Task Run([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken ct) => job.RunAsync(ct);
}
