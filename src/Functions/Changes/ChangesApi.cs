using AutoResponder.Changes;
using AutoResponder.Functions.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Changes;

/// <summary>The change routes, as declared in <see cref="ChangesRoutes"/>: one line each.</summary>
public sealed class ChangesApi
{
    /// <summary>
    /// POST /api/changes: for CI (GitHub, Azure DevOps); the Functions runtime checks the function key (header or
    /// ?code=).
    /// </summary>
    [Function(ChangesRoutes.ReceiveChanges)]
    public Task<IActionResult> Receive([HttpTrigger(AuthorizationLevel.Function, "post",
        Route = ChangesRoutes.ReceiveChangesPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ChangesRoutes.ReceiveChanges, request, context);

    [Function(ChangesRoutes.GetIncidentChanges)]
    public Task<IActionResult> Suspects([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = ChangesRoutes.GetIncidentChangesPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ChangesRoutes.GetIncidentChanges, request, context);
}
