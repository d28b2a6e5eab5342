using System.Net;
using System.Text.Json.Nodes;
using AutoResponder.Cli.Serve;
using AutoResponder.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static AutoResponder.Tests.WorkerProtocol.WorkerProtocolRig;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>The Function app as a process behind the worker-protocol test host: handshake, every function loads, an alert is taken.</summary>
[Collection(WorkerProtocolCollection.Name)]
public sealed class WorkerHandshakeTests
{
    [Fact]
    public async Task Every_function_loads_the_routes_timers_and_queues_match_the_standalone_host_and_infra_and_an_alert_needs_the_key()
    {
        await using var azurite = await StorageAsync();
        await using var app = await StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = azurite.ConnectionString });
        Assert.NotNull(app.Worker.HttpUri); // the ASP.NET Core integration announced itself

        // Every function the worker indexed loaded (StartAsync fails otherwise) and each is an HTTP route, a timer or the queue.
        Assert.All(app.Functions, f => Assert.Contains(f.TriggerType, new[] { "httpTrigger", "timerTrigger", "queueTrigger" }));
        Assert.Equal(app.Functions.Count(f => f.TriggerType == "timerTrigger"), app.Timers.Schedules.Count);

        // HTTP: the same routes as the standalone host (host.json's routePrefix applied by the test host, as by the real one).
        var standalone = StandaloneHost.Build(["--AzureWebJobsStorage=UseDevelopmentStorage=true"], "http://127.0.0.1:0");
        var standaloneRoutes = ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)standalone).DataSources.SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().Where(e => e.RoutePattern.RawText != "/")
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"));
        Assert.Equal(standaloneRoutes.Order(), app.Http.Routes.Order());

        // Timers: one per scheduled job the standalone host runs, on the same schedule: each Function's %setting% resolved
        // from the app settings infra writes equals what the standalone host reads from that setting (its default here).
        var configuration = standalone.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        var jobSchedules = standalone.Services.GetServices<IScheduledJob>().Select(j => j.Schedule.Expression(configuration)).Order();
        Assert.Equal(jobSchedules, app.Timers.Schedules.Values.Order());
        var infraSchedules = await InfraSettings.SchedulesAsync();
        Assert.Equal(standalone.Services.GetServices<IScheduledJob>().Select(j => j.Schedule.AppSetting).Order(), infraSchedules.Keys.Order());

        // Queues: the trigger's queue and its poison queue are the ones infra creates.
        var infraQueues = await InfraSettings.QueuesAsync();
        Assert.Equal(infraQueues.Order(), app.Queues.Queues.Keys.SelectMany(q => new[] { q, q + "-poison" }).Order());

        using var anonymous = app.NewClient();
        var refused = await anonymous.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"critical"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var sender = app.NewClient(withKey: true);
        var accepted = await sender.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"critical"}"""));
        var body = await accepted.Content.ReadAsStringAsync();
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, $"{accepted.StatusCode} {body}\n{app.Output}");
        Assert.NotNull(JsonNode.Parse(body)!["results"]![0]!["incidentId"]);

        var byQuery = await anonymous.PostAsync($"/api/alerts?code={app.FunctionKey}", Json("""{"title":"Checkout down","severity":"critical"}"""));
        Assert.Equal(HttpStatusCode.Accepted, byQuery.StatusCode);
    }
}
