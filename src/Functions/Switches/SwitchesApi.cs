using AutoResponder.Functions.Api;
using AutoResponder.Switches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Switches;

/// <summary>The switch routes, as declared in <see cref="SwitchesRoutes"/>: one line each.</summary>
public sealed class SwitchesApi
{
    /// <summary>
    /// Storefronts read this with a token of their own holding the storefront role (a personal access token, or an
    /// Entra app role), which opens nothing else.
    /// </summary>
    [Function(SwitchesRoutes.ListSwitches)]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = SwitchesRoutes.ListSwitchesPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(SwitchesRoutes.ListSwitches, request, context);

    [Function(SwitchesRoutes.FlipSwitch)]
    public Task<IActionResult> Flip([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = SwitchesRoutes.FlipSwitchPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(SwitchesRoutes.FlipSwitch, request, context);
}
