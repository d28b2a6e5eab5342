using AutoResponder.Functions.Api;
using AutoResponder.Watch;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Watch;

/// <summary>The watch routes, as declared in <see cref="WatchRoutes"/>: one line each.</summary>
public sealed class WatchApi
{
    [Function(WatchRoutes.GetIncidentWatch)]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = WatchRoutes.GetIncidentWatchPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(WatchRoutes.GetIncidentWatch, request, context);

    [Function(WatchRoutes.HandOverIncidentWatch)]
    public Task<IActionResult> HandOver([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = WatchRoutes.HandOverIncidentWatchPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(WatchRoutes.HandOverIncidentWatch, request, context);

    [Function(WatchRoutes.SignOffIncidentWatch)]
    public Task<IActionResult> SignOff([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = WatchRoutes.SignOffIncidentWatchPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(WatchRoutes.SignOffIncidentWatch, request, context);
}
