using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Incidents;

/// <summary>The incident API routes; each forwards to <see cref="IncidentsEndpoint"/>.</summary>
public sealed class IncidentApi(IncidentsEndpoint endpoint)
{
    [Function("ListIncidents")]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/incidents")] HttpRequest request, CancellationToken ct) =>
        await endpoint.ListAsync(request, ct);

    [Function("GetIncident")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/incidents/{id}")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.GetAsync(id, ct);

    [Function("GetIncidentTimeline")]
    public async Task<IActionResult> Timeline([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/incidents/{id}/timeline")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.TimelineAsync(request, id, ct);

    [Function("GetIncidentAlerts")]
    public async Task<IActionResult> Alerts([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/incidents/{id}/alerts")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.AlertsAsync(request, id, ct);

    [Function("GetIncidentActions")]
    public async Task<IActionResult> Actions([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/incidents/{id}/actions")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.ActionsAsync(request, id, ct);

    [Function("AcknowledgeIncident")]
    public async Task<IActionResult> Acknowledge([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/acknowledge")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.AcknowledgeAsync(request, id, ct);

    [Function("UpdateIncidentStatus")]
    public async Task<IActionResult> Status([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/status")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.StatusAsync(request, id, ct);

    [Function("MitigateIncident")]
    public async Task<IActionResult> Mitigate([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/mitigate")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.MitigateAsync(request, id, ct);

    [Function("ResolveIncident")]
    public async Task<IActionResult> Resolve([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/resolve")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.ResolveAsync(request, id, ct);

    [Function("CloseIncident")]
    public async Task<IActionResult> Close([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/close")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.CloseAsync(request, id, ct);
}
