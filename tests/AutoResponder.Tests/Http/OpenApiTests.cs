using System.Reflection;
using System.Text.Json.Nodes;
using AutoResponder.Cli.Serve;
using AutoResponder.Composition;
using AutoResponder.Http.OpenApi;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Serve;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Tests.Http;

/// <summary>/api/openapi.json is generated from the code and covers every route both hosts map.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OpenApiTests(AzuriteFixture azurite)
{
    /// <summary>The Function app's /api routes (its other routes, e.g. console pages, are not the API).</summary>
    private static IEnumerable<(string Name, string Method, string Path)> FunctionRoutes() =>
        typeof(AutoResponder.Functions.Alerts.ReceiveAlerts).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().FirstOrDefault()))
            .Where(f => f.Function is not null && f.Trigger is not null)
            .Select(f => (f.Function!.Name, f.Trigger!.Methods!.Single().ToUpperInvariant(), Path: SameRoutesTests.Path(SameRoutesTests.RoutePrefix(), f.Trigger.Route!)))
            .Where(f => f.Path.StartsWith("/api/", StringComparison.Ordinal));

    private static IEnumerable<(string Method, string Path)> StandaloneRoutes()
    {
        var app = StandaloneHost.Build(["--AzureWebJobsStorage=UseDevelopmentStorage=true"], "http://127.0.0.1:0");
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api"))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (m, e.RoutePattern.RawText!)))
            .ToList();
    }

    [Fact]
    public void Every_route_either_host_maps_is_in_the_document_under_its_function_name()
    {
        var paths = OpenApiDocument.Build(ApiRoutes.All.Select(r => r.Operation))["paths"]!.AsObject();

        var functions = FunctionRoutes().ToList();
        Assert.NotEmpty(functions);
        foreach (var (name, method, path) in functions)
        {
            var operation = paths[path]?[method.ToLowerInvariant()];
            Assert.True(operation is not null, $"Function {name} ({method} {path}) is not in the OpenAPI document: declare it in its feature's …Routes.cs.");
            Assert.Equal(name, (string?)operation!["operationId"]);
        }
        foreach (var (method, path) in StandaloneRoutes())
            Assert.True(paths[path]?[method.ToLowerInvariant()] is not null, $"The standalone host maps {method} {path}, which is not in the OpenAPI document: declare it in its feature's …Routes.cs.");

        // And nothing is documented that a host does not serve.
        Assert.Equal(functions.Select(f => $"{f.Method} {f.Path}").Order(), ApiRoutes.All.Select(r => $"{r.Method} {r.UrlPath}").Order());
    }

    [Fact]
    public void Schemas_are_named_typed_and_hold_no_internal_fields()
    {
        var document = OpenApiDocument.Build(ApiRoutes.All.Select(r => r.Operation));
        var schemas = document["components"]!["schemas"]!.AsObject();

        var incident = schemas["IncidentResource"]!;
        foreach (var summary in new[] { "alertCounts", "statusUpdate", "impact", "teams", "statusEmails", "postmortem", "actionCounts", "updatedAt" })
            Assert.True(incident["properties"]?[summary] is not null, $"IncidentResource lacks {summary}");
        Assert.Contains("id", incident["required"]!.AsArray().Select(r => (string?)r));
        Assert.Equal("#/components/schemas/AlertCounts", (string?)incident["properties"]!["alertCounts"]!["$ref"]);
        Assert.Equal("date-time", (string?)incident["properties"]!["openedAt"]!["format"]);
        Assert.NotNull(schemas["IncidentList"]!["properties"]!["nextCursor"]);
        Assert.NotNull(schemas["ProblemBody"]!["properties"]!["field"]);
        Assert.Equal("#/components/schemas/StatusUpdateRequest",
            (string?)document["paths"]!["/api/incidents/{id}/status"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);

        foreach (var (name, schema) in schemas)
            IncidentApiTests.AssertNoInternalNames(schema!["properties"], $"#/components/schemas/{name}");
        // Every $ref resolves.
        foreach (var reference in Refs(document)) Assert.True(schemas.ContainsKey(reference["#/components/schemas/".Length..]), reference);
    }

    [Fact]
    public async Task The_standalone_host_serves_the_document_to_anyone()
    {
        await using var host = await RunningHost.StartAsync(azurite, "ingest-key-0123456789");
        var served = JsonNode.Parse(await host.NewClient(null).GetStringAsync("/api/openapi.json"))!;
        Assert.Equal("3.1.0", (string?)served["openapi"]);
        Assert.True(JsonNode.DeepEquals(OpenApiDocument.Build(ApiRoutes.All.Select(r => r.Operation)), served));
    }

    private static IEnumerable<string> Refs(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" ? [(string)p.Value!] : Refs(p.Value)),
        JsonArray a => a.SelectMany(Refs),
        _ => [],
    };
}
