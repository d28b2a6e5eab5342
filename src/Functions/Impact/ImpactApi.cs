using AutoResponder.Functions.Api;
using AutoResponder.Impact;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Impact;

/// <summary>The impact routes, as declared in <see cref="ImpactRoutes"/>: one line each.</summary>
public sealed class ImpactApi
{
    [Function(ImpactRoutes.GetIncidentImpact)]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = ImpactRoutes.GetIncidentImpactPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ImpactRoutes.GetIncidentImpact, request, context);

    [Function(ImpactRoutes.RefreshIncidentImpact)]
    public Task<IActionResult> Refresh([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = ImpactRoutes.RefreshIncidentImpactPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ImpactRoutes.RefreshIncidentImpact, request, context);

    [Function(ImpactRoutes.CorrectIncidentImpactRules)]
    public Task<IActionResult> CorrectRules([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = ImpactRoutes.CorrectIncidentImpactRulesPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ImpactRoutes.CorrectIncidentImpactRules, request, context);

    [Function(ImpactRoutes.DownloadImpactExport)]
    public Task<IActionResult> Export([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = ImpactRoutes.DownloadImpactExportPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ImpactRoutes.DownloadImpactExport, request, context);
}
