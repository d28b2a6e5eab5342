using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>The Function app as a process behind the worker-protocol test host: handshake, every function loads, an alert is taken.</summary>
[Collection(WorkerProtocolCollection.Name)]
public sealed class WorkerHandshakeTests
{
    [Fact]
    public async Task The_worker_loads_every_function_and_takes_an_alert_with_the_function_key()
    {
        await using var azurite = await WorkerProtocolRig.StorageAsync();
        await using var app = await WorkerProtocolRig.StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = azurite.ConnectionString });
        Assert.NotNull(app.Worker.HttpUri);
        Assert.Contains("POST /api/alerts", app.Http.Routes);

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

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
