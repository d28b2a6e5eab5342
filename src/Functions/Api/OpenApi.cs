using AutoResponder.Composition;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Api;

/// <summary>
/// GET /api/openapi.json — the API's OpenAPI document, generated from the declared routes. Public: it holds no data.
/// </summary>
public sealed class OpenApi
{
    [Function(ApiRoutes.GetOpenApiDocument)]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = ApiRoutes.GetOpenApiDocumentPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(ApiRoutes.GetOpenApiDocument, request, context);
}
