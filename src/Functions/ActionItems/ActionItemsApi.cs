using AutoResponder.ActionItems;
using AutoResponder.Functions.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.ActionItems;

/// <summary>The action-item routes, as declared in <see cref="ActionItemsRoutes"/>: one line each.</summary>
public sealed class ActionItemsApi
{
    [Function(ActionItemsRoutes.AddActionItem)]
    public Task<IActionResult> Add([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = ActionItemsRoutes.AddActionItemPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ActionItemsRoutes.AddActionItem, request, context);

    [Function(ActionItemsRoutes.UpdateActionItemStatus)]
    public Task<IActionResult> Status([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = ActionItemsRoutes.UpdateActionItemStatusPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ActionItemsRoutes.UpdateActionItemStatus, request, context);

    [Function(ActionItemsRoutes.ListActionItems)]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = ActionItemsRoutes.ListActionItemsPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ActionItemsRoutes.ListActionItems, request, context);
}
