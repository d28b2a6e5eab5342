using AutoResponder.Access;
using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Alerts;

/// <summary>POST /api/alerts: the one route for alert senders. The Functions runtime checks the function key (header or ?code=).</summary>
public sealed class ReceiveAlerts(AccessGate gate, AlertsEndpoint endpoint)
{
    [Function(ApiRoutes.ReceiveAlerts)]
    public async Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/alerts")] HttpRequest request, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.ReceiveAlerts, _ => endpoint.PostAsync(request, ct));
}
