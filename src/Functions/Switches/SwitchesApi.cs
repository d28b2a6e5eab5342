using AutoResponder.Switches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Switches;

/// <summary>The switch routes; each forwards to <see cref="SwitchesEndpoint"/>.</summary>
public sealed class SwitchesApi(SwitchesEndpoint endpoint)
{
    /// <summary>Storefronts read this with a function key of their own (a per-function key is a credential scoped to this route).</summary>
    [Function("ListSwitches")]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/switches")] HttpRequest request, CancellationToken ct) =>
        await endpoint.ListAsync(request, ct);

    [Function("FlipSwitch")]
    public async Task<IActionResult> Flip([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/switches/{name}")] HttpRequest request, string id, string name, CancellationToken ct) =>
        await endpoint.FlipAsync(request, id, name, ct);
}

/// <summary>Every 5 minutes: nudges the owner about switches left on an hour after resolution.</summary>
public sealed class NudgeSwitches(SwitchNudgeJob job)
{
    [Function(nameof(NudgeSwitches))]
    public Task Run([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken ct) => job.RunAsync(ct);
}
