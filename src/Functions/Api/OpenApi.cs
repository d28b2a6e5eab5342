using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Api;

/// <summary>GET /api/openapi.json — the API's OpenAPI document, generated from the route table. Public: it holds no data.</summary>
public sealed class OpenApi(AccessGate gate)
{
    [Function(ApiRoutes.GetOpenApiDocument)]
    public async Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/openapi.json")] HttpRequest request) =>
        await gate.RunAsync(request, ApiRoutes.GetOpenApiDocument, _ => Task.FromResult(OpenApiDocument.Serve()));
}
