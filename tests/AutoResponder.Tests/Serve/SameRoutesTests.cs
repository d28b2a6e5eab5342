using System.Reflection;
using AutoResponder.Cli.Serve;
using AutoResponder.Composition;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Tests.Serve;

/// <summary>The standalone host must expose exactly the Function app's HTTP routes, so a caller can switch hosts.</summary>
public sealed class SameRoutesTests
{
    [Fact]
    public void The_standalone_host_maps_the_same_routes_and_methods_as_the_function_app()
    {
        // host.json sets the Functions route prefix to "" so the console can live at /incidents next to /api/…;
        // every Function route therefore spells its full path.
        var prefix = RoutePrefix();
        var functions = typeof(AutoResponder.Functions.Alerts.ReceiveAlerts).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .SelectMany(m => m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>())
            .SelectMany(t => t.Methods!.Select(m => $"{m.ToUpperInvariant()} {Path(prefix, t.Route!)}"))
            .Order()
            .ToList();

        var app = StandaloneHost.Build(["--AzureWebJobsStorage=UseDevelopmentStorage=true"], "http://127.0.0.1:0");
        var standalone = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText != "/") // the standalone host's own landing redirect
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Order()
            .ToList();

        Assert.NotEmpty(functions);
        Assert.Equal(functions, standalone);
    }

    [Fact]
    public void Every_declared_route_has_exactly_one_function_with_its_id_method_and_path_and_only_ingest_routes_take_a_function_key()
    {
        var triggers = typeof(AutoResponder.Functions.Alerts.ReceiveAlerts).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Name: m.GetCustomAttribute<FunctionAttribute>()?.Name, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().SingleOrDefault()))
            .Where(f => f.Trigger is not null && f.Trigger.Route!.StartsWith("api/"))
            .ToList();
        Assert.NotEmpty(triggers);

        // …and vice versa: no API Function without its declaration.
        Assert.Equal(ApiRoutes.All.Select(r => r.OperationId).Order(), triggers.Select(t => t.Name!).Order());
        foreach (var route in ApiRoutes.All)
        {
            var (_, trigger) = Assert.Single(triggers, t => t.Name == route.OperationId);
            Assert.Equal(route.Method, trigger!.Methods!.Single().ToUpperInvariant());
            Assert.Equal(route.Path, trigger.Route);
            Assert.Equal(route.Access.Ingest ? AuthorizationLevel.Function : AuthorizationLevel.Anonymous, trigger.AuthLevel);
        }
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => r.OperationId).Distinct().Count());
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => $"{r.Method} {r.Path}").Distinct().Count());
    }

    internal static string Path(string prefix, string route) => "/" + string.Join('/', new[] { prefix, route }.Where(p => p.Length > 0));

    /// <summary>extensions.http.routePrefix from the host.json the Function app is deployed with ("api" when unset).</summary>
    internal static string RoutePrefix()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "host.json"))) dir = dir.Parent;
        Assert.NotNull(dir);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(dir!.FullName, "host.json")));
        return json.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("http", out var http) &&
               http.TryGetProperty("routePrefix", out var p) ? p.GetString()!.Trim('/') : "api";
    }
}
