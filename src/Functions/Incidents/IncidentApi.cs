using AutoResponder.Access;
using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Incidents;

/// <summary>
/// The incident API routes; each passes the gate (the role in <see cref="ApiRoutes"/>) and forwards to
/// <see cref="IncidentsEndpoint"/>. Anonymous at the Functions level: people sign in with a bearer token, never a function key.
/// </summary>
public sealed class IncidentApi(AccessGate gate, IncidentsEndpoint endpoint)
{
    [Function(ApiRoutes.ListIncidents)]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents")] HttpRequest request, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.ListIncidents, _ => endpoint.ListAsync(request, ct));

    [Function(ApiRoutes.GetIncident)]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetIncident, _ => endpoint.GetAsync(id, ct));

    [Function(ApiRoutes.GetIncidentTimeline)]
    public async Task<IActionResult> Timeline([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/timeline")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetIncidentTimeline, _ => endpoint.TimelineAsync(request, id, ct));

    [Function(ApiRoutes.GetIncidentAlerts)]
    public async Task<IActionResult> Alerts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/alerts")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetIncidentAlerts, _ => endpoint.AlertsAsync(request, id, ct));

    [Function(ApiRoutes.GetIncidentActions)]
    public async Task<IActionResult> Actions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/actions")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetIncidentActions, _ => endpoint.ActionsAsync(request, id, ct));

    [Function(ApiRoutes.AcknowledgeIncident)]
    public async Task<IActionResult> Acknowledge([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/acknowledge")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.AcknowledgeIncident, caller => endpoint.AcknowledgeAsync(request, caller, id, ct));

    [Function(ApiRoutes.UpdateIncidentStatus)]
    public async Task<IActionResult> Status([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/status")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.UpdateIncidentStatus, caller => endpoint.StatusAsync(request, caller, id, ct));

    [Function(ApiRoutes.MitigateIncident)]
    public async Task<IActionResult> Mitigate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/mitigate")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.MitigateIncident, caller => endpoint.MitigateAsync(request, caller, id, ct));

    [Function(ApiRoutes.ResolveIncident)]
    public async Task<IActionResult> Resolve([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/resolve")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.ResolveIncident, caller => endpoint.ResolveAsync(request, caller, id, ct));

    [Function(ApiRoutes.CloseIncident)]
    public async Task<IActionResult> Close([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/close")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.CloseIncident, caller => endpoint.CloseAsync(request, caller, id, ct));
}
