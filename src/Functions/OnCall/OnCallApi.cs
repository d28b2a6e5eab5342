using AutoResponder.Functions.Api;
using AutoResponder.OnCall;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.OnCall;

/// <summary>The on-call routes, as declared in <see cref="OnCallRoutes"/>: one line each.</summary>
public sealed class OnCallApi
{
    [Function(OnCallRoutes.GetOnCall)]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = OnCallRoutes.GetOnCallPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(OnCallRoutes.GetOnCall, request, context);

    [Function(OnCallRoutes.PutOnCallSchedule)]
    public Task<IActionResult> PutSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "put",
        Route = OnCallRoutes.PutOnCallSchedulePath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(OnCallRoutes.PutOnCallSchedule, request, context);

    [Function(OnCallRoutes.PutOnCallPolicy)]
    public Task<IActionResult> PutPolicy([HttpTrigger(AuthorizationLevel.Anonymous, "put",
        Route = OnCallRoutes.PutOnCallPolicyPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(OnCallRoutes.PutOnCallPolicy, request, context);

    [Function(OnCallRoutes.RequestResponder)]
    public Task<IActionResult> RequestResponder([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = OnCallRoutes.RequestResponderPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(OnCallRoutes.RequestResponder, request, context);

    [Function(OnCallRoutes.AcknowledgeResponder)]
    public Task<IActionResult> AcknowledgeResponder([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = OnCallRoutes.AcknowledgeResponderPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(OnCallRoutes.AcknowledgeResponder, request, context);
}
