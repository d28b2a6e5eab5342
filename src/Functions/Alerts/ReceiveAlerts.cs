using AutoResponder.Functions.Api;
using AutoResponder.Intake;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Alerts;

/// <summary>
/// POST /api/alerts: the one route for alert senders. The Functions runtime checks the function key (header or ?code=).
/// </summary>
public sealed class ReceiveAlerts
{
    [Function(IntakeRoutes.ReceiveAlerts)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "post",
        Route = IntakeRoutes.ReceiveAlertsPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IntakeRoutes.ReceiveAlerts, request, context);
}
