using System.Reflection;
using AutoResponder.Access;
using AutoResponder.Cli.Serve;
using AutoResponder.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Serve;

/// <summary>The standalone host must expose exactly the Function app's HTTP routes, so a caller can switch hosts.</summary>
public sealed class SameRoutesTests
{
    [Fact]
    public void The_standalone_host_maps_the_same_routes_and_methods_as_the_function_app()
    {
        var functions = typeof(AutoResponder.Functions.Alerts.ReceiveAlerts).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .SelectMany(m => m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>())
            .Select(t => $"{t.Methods!.Single().ToUpperInvariant()} /{(t.Route!.StartsWith("api/") ? "" : "api/")}{t.Route}")
            .Order()
            .ToList();

        var app = StandaloneHost.Build(["--AzureWebJobsStorage=UseDevelopmentStorage=true"], "http://127.0.0.1:0");
        var standalone = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api"))
            .Select(e => $"{e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single()} {e.RoutePattern.RawText}")
            .Order()
            .ToList();

        Assert.NotEmpty(functions);
        Assert.Equal(functions, standalone);
        // …and both are exactly the access table, which names each route's required role.
        Assert.Equal(ApiRoutes.All.Where(r => r.Path.StartsWith("/api")).Select(r => $"{r.Method} {r.Path}").Order(), functions);
    }

    [Fact]
    public void Every_function_is_named_as_in_the_access_table_and_only_alerts_take_a_function_key()
    {
        var triggers = typeof(AutoResponder.Functions.Alerts.ReceiveAlerts).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Name: m.GetCustomAttribute<FunctionAttribute>()?.Name, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().SingleOrDefault()))
            .Where(f => f.Trigger is not null)
            .ToList();

        foreach (var (name, trigger) in triggers)
        {
            var route = ApiRoutes.Get(name!);
            Assert.Equal(route.Method, trigger!.Methods!.Single().ToUpperInvariant());
            Assert.Equal(route.Access.Ingest ? AuthorizationLevel.Function : AuthorizationLevel.Anonymous, trigger.AuthLevel);
        }
    }
}
