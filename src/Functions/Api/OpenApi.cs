using AutoResponder.Http.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Api;

/// <summary>GET /api/openapi.json — the API's OpenAPI document, generated from the route table.</summary>
public sealed class OpenApi
{
    [Function("GetOpenApiDocument")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/openapi.json")] HttpRequest request) => OpenApiDocument.Serve();
}
