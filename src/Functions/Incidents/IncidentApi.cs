using AutoResponder.Functions.Api;
using AutoResponder.Incidents.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Incidents;

/// <summary>
/// The incident API routes, as declared in <see cref="IncidentRoutes"/>: one line each. Anonymous at the Functions
/// level: people sign in with a bearer token, never a function key.
/// </summary>
public sealed class IncidentApi
{
    [Function(IncidentRoutes.ListIncidents)]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = IncidentRoutes.ListIncidentsPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.ListIncidents, request, context);

    [Function(IncidentRoutes.GetIncident)]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = IncidentRoutes.GetIncidentPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.GetIncident, request, context);

    [Function(IncidentRoutes.GetIncidentTimeline)]
    public Task<IActionResult> Timeline([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = IncidentRoutes.GetIncidentTimelinePath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.GetIncidentTimeline, request, context);

    [Function(IncidentRoutes.GetIncidentAlerts)]
    public Task<IActionResult> Alerts([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = IncidentRoutes.GetIncidentAlertsPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.GetIncidentAlerts, request, context);

    [Function(IncidentRoutes.GetIncidentActions)]
    public Task<IActionResult> Actions([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = IncidentRoutes.GetIncidentActionsPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.GetIncidentActions, request, context);

    [Function(IncidentRoutes.AcknowledgeIncident)]
    public Task<IActionResult> Acknowledge([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = IncidentRoutes.AcknowledgeIncidentPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.AcknowledgeIncident, request, context);

    [Function(IncidentRoutes.UpdateIncidentStatus)]
    public Task<IActionResult> Status([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = IncidentRoutes.UpdateIncidentStatusPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.UpdateIncidentStatus, request, context);

    [Function(IncidentRoutes.MitigateIncident)]
    public Task<IActionResult> Mitigate([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = IncidentRoutes.MitigateIncidentPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.MitigateIncident, request, context);

    [Function(IncidentRoutes.ResolveIncident)]
    public Task<IActionResult> Resolve([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = IncidentRoutes.ResolveIncidentPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.ResolveIncident, request, context);

    [Function(IncidentRoutes.CloseIncident)]
    public Task<IActionResult> Close([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = IncidentRoutes.CloseIncidentPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(IncidentRoutes.CloseIncident, request, context);
}
