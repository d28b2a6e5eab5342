using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Changes;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Changes;

/// <summary>
/// Change intake and an incident's suspect changes, with real requests against the standalone host over Azurite:
/// GitHub (signed), Azure DevOps and generic deliveries; a bad signature, bad input and another service's change.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChangeIntakeOverHttpTests(AzuriteFixture azurite)
{
    private const string IngestKey = "ingest-key-0123456789";
    private const string Secret = "webhook-secret-for-tests";
    private static readonly DateTimeOffset FirstAlert = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    public static readonly string[] Settings =
    [
        $"AutoResponder:Changes:GitHubSecret={Secret}",
        "AutoResponder:Changes:Services:checkout:Repositories=shop/checkout",
        "AutoResponder:Changes:Services:checkout:Pipelines=checkout-release,checkout-ci",
        "AutoResponder:Changes:Services:checkout:DependsOn=payments",
        "AutoResponder:Changes:Services:search:Repositories=shop/search",
    ];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(RunningHost Host, HttpClient Ci, FakeTimeProvider Time)> StartAsync(AzuriteFixture azurite)
    {
        var time = new FakeTimeProvider(FirstAlert.AddMinutes(20));
        var host = await RunningHost.StartAsync(azurite, IngestKey, s => s.AddSingleton<TimeProvider>(time), Settings);
        var ci = host.NewClient(null);
        ci.DefaultRequestHeaders.Add("x-functions-key", IngestKey);
        return (host, ci, time);
    }

    public static async Task<string> OpenCheckoutIncidentAsync(HttpClient monitoring, DateTimeOffset startsAt, string service = "checkout")
    {
        var opened = await monitoring.PostAsync("/api/alerts", Json($$"""{"title":"Prices wrong at checkout","severity":"Sev2","service":"{{service}}","startsAt":"{{startsAt:O}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        return (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
    }

    public static string DeploymentStatus(string repository, DateTimeOffset at, string state = "success") => $$$"""
        {"action":"created",
         "deployment_status":{"id":1,"state":"{{{state}}}","environment":"production","created_at":"{{{at:O}}}","target_url":"https://github.com/{{{repository}}}/actions/runs/42","creator":{"login":"dana"}},
         "deployment":{"id":7,"sha":"9f1c2e3d4b5a69788796a5b4c3d2e1f0a9b8c7d6","environment":"production","url":"https://api.github.com/repos/{{{repository}}}/deployments/7"},
         "repository":{"full_name":"{{{repository}}}","default_branch":"main"},
         "sender":{"login":"dana"}}
        """;

    public static HttpRequestMessage GitHub(string gitHubEvent, string body, string? secret, string delivery)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/changes") { Content = Json(body) };
        request.Headers.Add("X-GitHub-Event", gitHubEvent);
        request.Headers.Add("X-GitHub-Delivery", delivery);
        if (secret is not null)
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
        return request;
    }

    private static string AzureDevOpsRun(string pipeline, DateTimeOffset finished) => $$$"""
        {"id":"6f3c1a52-0d2b-4a9e-9b51-1c2d3e4f5a6b","eventType":"ms.vss-pipelines.run-state-changed-event","publisherId":"pipelines",
         "message":{"text":"Run 20261126.3 succeeded"},
         "resource":{"run":{"id":311,"name":"20261126.3","state":"completed","result":"succeeded","finishedDate":"{{{finished:O}}}",
                            "_links":{"web":{"href":"https://dev.azure.com/shop/checkout/_build/results?buildId=311"}} },
                     "pipeline":{"id":12,"name":"{{{pipeline}}}"}},
         "createdDate":"{{{finished:O}}}"}
        """;

    private static async Task<JsonObject> ReceiptAsync(HttpResponseMessage response, string outcome)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var receipt = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(outcome, (string)receipt["outcome"]!);
        return receipt;
    }

    private static async Task<int> StoredAsync(RunningHost host)
    {
        var table = host.Services.GetRequiredService<ChangeStore>().Table;
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>()) count++;
        return count;
    }

    [Fact]
    public async Task Signed_GitHub_Azure_DevOps_and_generic_changes_before_the_first_alert_are_the_incidents_suspects_newest_first()
    {
        var (host, ci, _) = await StartAsync(azurite);
        await using var _host = host;
        var id = await OpenCheckoutIncidentAsync(ci, FirstAlert);

        // Reported after the incident opened, dated before its first alert: suspects all the same (read when asked).
        var deployment = DeploymentStatus("shop/checkout", FirstAlert.AddHours(-1));
        var recorded = await ReceiptAsync(await ci.SendAsync(GitHub("deployment_status", deployment, Secret, "d-1")), "recorded");
        Assert.Equal("checkout", (string)recorded["change"]!["service"]!);
        await ReceiptAsync(await ci.SendAsync(GitHub("deployment_status", deployment, Secret, "d-1")), "duplicate"); // GitHub's redelivery
        await ReceiptAsync(await ci.PostAsync("/api/changes", Json(AzureDevOpsRun("checkout-ci", FirstAlert.AddHours(-3)))), "recorded");
        await ReceiptAsync(await ci.PostAsync("/api/changes", Json($$"""{"service":"checkout","summary":"Price cache TTL raised to 1 h","at":"{{FirstAlert.AddMinutes(-10):O}}","author":"erik","link":"https://wiki.shop.example/changes/88"}""")), "recorded");
        await ReceiptAsync(await ci.PostAsync("/api/changes", Json($$"""{"service":"payments","summary":"Payments SDK 4.2","at":"{{FirstAlert.AddHours(-2):O}}"}""")), "recorded");
        // Not suspects: another service, too early, after the first alert.
        await ReceiptAsync(await ci.SendAsync(GitHub("deployment_status", DeploymentStatus("shop/search", FirstAlert.AddMinutes(-5)), Secret, "d-2")), "recorded");
        await ReceiptAsync(await ci.PostAsync("/api/changes", Json($$"""{"service":"checkout","summary":"Old deploy","at":"{{FirstAlert.AddHours(-25):O}}"}""")), "recorded");
        await ReceiptAsync(await ci.PostAsync("/api/changes", Json($$"""{"service":"checkout","summary":"Hotfix","at":"{{FirstAlert.AddMinutes(15):O}}"}""")), "recorded");
        // Not changes: answered, nothing stored.
        await ReceiptAsync(await ci.SendAsync(GitHub("deployment_status", DeploymentStatus("shop/checkout", FirstAlert.AddHours(-1), "in_progress"), Secret, "d-3")), "ignored");
        Assert.Equal(7, await StoredAsync(host));

        var suspects = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/changes"))!;
        var summaries = suspects["items"]!.AsArray().Select(i => (string)i!["summary"]!).ToList();
        Assert.Equal(4, summaries.Count);
        Assert.Equal("Price cache TTL raised to 1 h", summaries[0]);
        Assert.StartsWith("Deployment of shop/checkout@9f1c2e3 to production: success", summaries[1]);
        Assert.Equal("Payments SDK 4.2", summaries[2]);
        Assert.Equal("Run 20261126.3 succeeded", summaries[3]);
        Assert.Equal(["checkout", "payments"], suspects["services"]!.AsArray().Select(s => (string)s!).ToArray());
        Assert.Equal(FirstAlert.AddHours(-24), (DateTimeOffset)suspects["from"]!);
        var first = suspects["items"]![1]!;
        Assert.Equal(("github", "deployment", "dana", "production"), ((string)first["source"]!, (string)first["kind"]!, (string)first["author"]!, (string)first["environment"]!));
        Assert.Equal("https://github.com/shop/checkout/actions/runs/42", (string)first["link"]!);
    }

    [Fact]
    public async Task A_bad_or_missing_signature_and_bad_input_are_refused_naming_the_field_and_store_nothing()
    {
        var (host, ci, _) = await StartAsync(azurite);
        await using var _host = host;
        var deployment = DeploymentStatus("shop/checkout", FirstAlert.AddHours(-1));

        await BadInputTests.AssertProblem(await ci.SendAsync(GitHub("deployment_status", deployment, "not-the-secret", "d-1")), 401, "X-Hub-Signature-256", "wrong secret");
        await BadInputTests.AssertProblem(await ci.SendAsync(GitHub("deployment_status", deployment, null, "d-1")), 401, "X-Hub-Signature-256", "unsigned");
        var tampered = GitHub("deployment_status", deployment, Secret, "d-1");
        tampered.Content = Json(deployment.Replace("success", "failure"));
        await BadInputTests.AssertProblem(await ci.SendAsync(tampered), 401, "X-Hub-Signature-256", "body changed after signing");

        await BadInputTests.AssertProblem(await ci.SendAsync(GitHub("deployment_status", DeploymentStatus("shop/unknown", FirstAlert), Secret, "d-2")), 422, "repository.full_name", "unmapped repository");
        await BadInputTests.AssertProblem(await ci.PostAsync("/api/changes", Json(AzureDevOpsRun("someone-elses-pipeline", FirstAlert))), 422, "resource.pipeline.name", "unmapped pipeline");
        await BadInputTests.AssertProblem(await ci.PostAsync("/api/changes", Json("""{"service":"checkout","at":"2026-11-26T08:00:00Z"}""")), 400, "summary", "no summary");
        await BadInputTests.AssertProblem(await ci.PostAsync("/api/changes", Json("""{"service":"checkout","summary":"x","at":"yesterday"}""")), 422, "at", "bad date");
        await BadInputTests.AssertProblem(await ci.PostAsync("/api/changes", Json("""{"service":"check/out","summary":"x","at":"2026-11-26T08:00:00Z"}""")), 422, "service", "bad service");
        await BadInputTests.AssertProblem(await ci.PostAsync("/api/changes", Json("""{"service":"checkout","summary":"x","at":"2026-11-26T08:00:00Z","link":"javascript:alert(1)"}""")), 422, "link", "bad link");
        await BadInputTests.AssertProblem(await host.NewClient(null).PostAsync("/api/changes", Json("""{"service":"checkout","summary":"x","at":"2026-11-26T08:00:00Z"}""")), 401, "x-functions-key", "no ingest key");
        Assert.Equal(0, await StoredAsync(host));
    }
}
