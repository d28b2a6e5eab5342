using AutoResponder.Access;
using AutoResponder.Switches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Switches;

/// <summary>The switch routes; each passes the gate and forwards to <see cref="SwitchesEndpoint"/>.</summary>
public sealed class SwitchesApi(AccessGate gate, SwitchesEndpoint endpoint)
{
    /// <summary>Storefronts read this with a token of their own holding the storefront role (a personal access token, or an Entra app role), which opens nothing else.</summary>
    [Function(ApiRoutes.ListSwitches)]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/switches")] HttpRequest request, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.ListSwitches, _ => endpoint.ListAsync(request, ct));

    [Function(ApiRoutes.FlipSwitch)]
    public async Task<IActionResult> Flip([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/switches/{name}")] HttpRequest request, string id, string name, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.FlipSwitch, caller => endpoint.FlipAsync(request, caller, id, name, ct));
}
