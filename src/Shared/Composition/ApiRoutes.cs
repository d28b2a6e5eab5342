using System.Text.Json.Nodes;
using AutoResponder.Access;
using AutoResponder.ActionItems;
using AutoResponder.Changes;
using AutoResponder.Health;
using AutoResponder.Http;
using AutoResponder.Http.OpenApi;
using AutoResponder.Impact;
using AutoResponder.Incidents.Api;
using AutoResponder.Intake;
using AutoResponder.OnCall;
using AutoResponder.Outbox;
using AutoResponder.Reminders;
using AutoResponder.Routes;
using AutoResponder.Switches;
using AutoResponder.Watch;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.Composition;

/// <summary>
/// Every HTTP route of the API, feature by feature: each feature declares its routes in its own <c>…Routes.cs</c>
/// (<see cref="ApiRoute"/>); a new feature adds one line here. The standalone host maps this list, the Function classes
/// are proved to match it, and /api/openapi.json is generated from it.
/// </summary>
public static class ApiRoutes
{
    public const string GetOpenApiDocument = nameof(GetOpenApiDocument);
    public const string GetOpenApiDocumentPath = "api/openapi.json";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        .. IntakeRoutes.All,
        .. ChangesRoutes.All,
        .. ActionItemsRoutes.All,
        .. IncidentRoutes.All,
        .. RemindersRoutes.All,
        .. ImpactRoutes.All,
        .. OutboxRoutes.All,
        .. HealthRoutes.All,
        .. SwitchesRoutes.All,
        .. WatchRoutes.All,
        .. OnCallRoutes.All,
        // Public: the document holds no data.
        new(GetOpenApiDocument, "GET", GetOpenApiDocumentPath, RouteAccess.Anyone, "API",
            "This document (OpenAPI 3.1).", [], null, false,
            [new(200, "The OpenAPI document.", typeof(JsonObject))],
            _ => Task.FromResult<IResult>(ApiResult.Ok(BuiltDocument().DeepClone()))),
    ];

    private static readonly Lazy<JsonObject> Document = new(() => OpenApiDocument.Build(All.Select(r => r.Operation)));
    /// <summary>
    /// The document, read through a method: the route above is declared before <see cref="Document"/>, and nullable
    /// analysis of the static initialiser would take the field as unassigned there (it is only read when the route runs).
    /// </summary>
    private static JsonObject BuiltDocument() => Document.Value;

    private static readonly IReadOnlyDictionary<string, ApiRoute> ById = All.ToDictionary(r => r.OperationId);

    /// <summary>The declared route of an operation id (the Function's name).</summary>
    public static ApiRoute Find(string operationId) =>
        ById.TryGetValue(operationId, out var route)
            ? route : throw new InvalidOperationException($"No route is declared with the operation id " +
                $"'{operationId}'.");
}
