using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Alerts;

public sealed class ReceiveAlerts(AlertsEndpoint endpoint)
{
    [Function(nameof(ReceiveAlerts))]
    public async Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/alerts")] HttpRequest request, CancellationToken ct) =>
        await endpoint.PostAsync(request, ct);
}
