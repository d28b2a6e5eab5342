using AutoResponder.Functions.Api;
using AutoResponder.Outbox;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Outbox;

/// <summary>Re-drive parked actions, as declared in <see cref="OutboxRoutes"/>: one line each.</summary>
public sealed class OutboxRetryApi
{
    [Function(OutboxRoutes.RetryParkedActions)]
    public Task<IActionResult> RetryAll([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = OutboxRoutes.RetryParkedActionsPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(OutboxRoutes.RetryParkedActions, request, context);

    [Function(OutboxRoutes.RetryParkedAction)]
    public Task<IActionResult> RetryOne([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = OutboxRoutes.RetryParkedActionPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(OutboxRoutes.RetryParkedAction, request, context);
}
