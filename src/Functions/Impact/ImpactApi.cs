using AutoResponder.Access;
using AutoResponder.Impact;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Impact;

/// <summary>The impact routes; each passes the gate and forwards to <see cref="ImpactEndpoint"/>.</summary>
public sealed class ImpactApi(AccessGate gate, ImpactEndpoint endpoint)
{
    [Function(ApiRoutes.GetIncidentImpact)]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/impact")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetIncidentImpact, _ => endpoint.GetAsync(id, ct));

    [Function(ApiRoutes.RefreshIncidentImpact)]
    public async Task<IActionResult> Refresh([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/impact/refresh")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.RefreshIncidentImpact, caller => endpoint.RefreshAsync(caller, id, ct));

    [Function(ApiRoutes.CorrectIncidentImpactRules)]
    public async Task<IActionResult> CorrectRules([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/impact/rules")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.CorrectIncidentImpactRules, caller => endpoint.CorrectRulesAsync(request, caller, id, ct));

    [Function(ApiRoutes.DownloadImpactExport)]
    public async Task<IActionResult> Export([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/impact/snapshots/{snapshot}/export")] HttpRequest request, string id, string snapshot, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.DownloadImpactExport, caller => endpoint.ExportAsync(caller, id, snapshot, ct));
}
