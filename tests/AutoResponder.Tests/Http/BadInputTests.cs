using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoResponder.Tests.Infrastructure;
using Azure.Data.Tables;

namespace AutoResponder.Tests.Http;

/// <summary>
/// The bad-input corpus over real HTTP: each request is rejected with the right status and a problem
/// details body naming the field, and nothing at all is stored.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BadInputTests(AzuriteFixture azurite)
{
    private static string Sample(string kind, string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", kind, name));

    private static string AzureWith(Action<JsonNode> change)
    {
        var node = JsonNode.Parse(Sample("AzureMonitor", "metric-static.json"))!;
        change(node);
        return node.ToJsonString();
    }

    public static TheoryData<string, string, string, int, string> AlertCorpus() => new()
    {
        { "malformed JSON", "application/json", """{"title": "x", """, 400, "$" },
        { "empty body", "application/json", "", 400, "$" },
        { "array root", "application/json", "[1,2]", 400, "$" },
        { "unrecognised object (no title)", "application/json", """{"hello":"world"}""", 400, "title" },
        { "half an Alertmanager webhook", "application/json", """{"alerts":[]}""", 400, "$" },
        { "generic without title", "application/json", """{"severity":"Sev2","service":"checkout"}""", 400, "title" },
        { "generic Sev9", "application/json", """{"title":"x","severity":"Sev9"}""", 422, "severity" },
        { "generic startsAt not a date", "application/json", """{"title":"x","startsAt":"yesterday"}""", 422, "startsAt" },
        { "azure Sev9", "application/json", AzureWith(n => n["data"]!["essentials"]!["severity"] = "Sev9"), 422, "data.essentials.severity" },
        { "azure unknown monitorCondition", "application/json", AzureWith(n => n["data"]!["essentials"]!["monitorCondition"] = "Exploded"), 422, "data.essentials.monitorCondition" },
        { "azure firedDateTime not a date", "application/json", AzureWith(n => n["data"]!["essentials"]!["firedDateTime"] = "yesterday"), 422, "data.essentials.firedDateTime" },
        { "azure without essentials", "application/json", AzureWith(n => n["data"]!.AsObject().Remove("essentials")), 400, "data.essentials" },
        { "alertmanager alert without startsAt", "application/json", """{"version":"4","status":"firing","receiver":"r","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"A"},"annotations":{}}]}""", 400, "alerts[0].startsAt" },
        { "wrong content type", "text/plain", """{"title":"x"}""", 415, "Content-Type" },
    };

    [Theory]
    [MemberData(nameof(AlertCorpus))]
    public async Task Bad_alerts_are_rejected_with_the_field_named_and_nothing_stored(string name, string contentType, string body, int status, string field)
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);

        var response = await host.Client.PostAsync("/api/alerts", content);

        await AssertProblem(response, status, field, name);
        await AssertNothingStored(host);
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_nothing_stored()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:MaxRequestBytes=4096");
        var big = JsonSerializer.Serialize(new { title = "x", description = new string('a', 5000) });

        var response = await host.Client.PostAsync("/api/alerts", new StringContent(big, Encoding.UTF8, "application/json"));

        await AssertProblem(response, 413, "$", "oversized");
        await AssertNothingStored(host);
    }

    [Fact]
    public async Task A_byte_order_mark_and_unknown_fields_are_accepted()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"title":"BOM alert","severity":"Sev3","service":"search","somethingNew":{"x":1}}""")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");

        var response = await host.Client.PostAsync("/api/alerts", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]![0]!;
        Assert.Equal("opened", (string?)result["outcome"]);
    }

    public static TheoryData<string, string, string, int, string> ActionCorpus() => new()
    {
        { "acknowledge", """{"owner":42}""", "application/json", 422, "owner" },
        { "status", """{"actor":"alice"}""", "application/json", 400, "text" },
        { "status", """{"actor":"alice","text":"rolling back","eta":"tomorrow"}""", "application/json", 422, "eta" },
        { "acknowledge", """[]""", "application/json", 400, "$" },
        { "status", """{"actor":"alice","text":""" , "application/json", 400, "$" },
        { "mitigate", """{"actor":"alice"}""", "text/plain", 415, "Content-Type" },
        { "close", """{"actor":"alice"}""", "application/json", 409, "status" },
    };

    [Theory]
    [MemberData(nameof(ActionCorpus))]
    public async Task Bad_incident_actions_are_rejected_and_change_nothing(string action, string body, string contentType, int status, string field)
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var opened = await host.Client.PostAsync("/api/alerts", new StringContent("""{"title":"Search down","severity":"Sev2","service":"search"}""", Encoding.UTF8, "application/json"));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        var before = await IncidentState(host, id);
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);

        var response = await host.Client.PostAsync($"/api/incidents/{id}/{action}", content);

        var problem = await AssertProblem(response, status, field, action);
        if (status == 409) Assert.Equal("open", (string?)problem["currentStatus"]);
        Assert.Equal(before, await IncidentState(host, id));
    }

    /// <summary>The incident as a person changes it: without outbox progress, which the host's background runner makes meanwhile.</summary>
    private static async Task<string> IncidentState(RunningHost host, string id)
    {
        var incident = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"))!.AsObject();
        foreach (var progress in new[] { "actionCounts", "updatedAt", "teams", "statusEmails", "impact" }) incident.Remove(progress);
        var timeline = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray();
        incident["timeline"] = new JsonArray(timeline.Where(t => (string?)t!["actor"] != "autoresponder").Select(t => t!.DeepClone()).ToArray());
        return incident.ToJsonString();
    }

    [Theory]
    [InlineData("/api/incidents/INC-20261126-ZZZZ", 404, "id")]
    [InlineData("/api/incidents/not-an-id", 404, "id")]
    [InlineData("/api/incidents?status=burning", 422, "status")]
    [InlineData("/api/incidents?limit=0", 422, "limit")]
    [InlineData("/api/incidents?limit=501", 422, "limit")]
    [InlineData("/api/incidents?limit=ten", 422, "limit")]
    [InlineData("/api/incidents?cursor=not-a-cursor", 422, "cursor")]
    [InlineData("/api/incidents?cursor=djEKdGltZWxpbmV8SU5DCnRsfDE", 422, "cursor")]
    [InlineData("/api/incidents?severity=Sev9", 422, "severity")]
    [InlineData("/api/incidents?severity=1", 422, "severity")]
    [InlineData("/api/incidents?since=yesterday", 422, "since")]
    [InlineData("/api/incidents/INC-20261126-ZZZZ/timeline", 404, "id")]
    [InlineData("/api/incidents/INC-20261126-ZZZZ/alerts?limit=0", 422, "limit")]
    [InlineData("/api/incidents/INC-20261126-ZZZZ/actions?cursor=@@@", 422, "cursor")]
    public async Task Bad_reads_name_the_problem(string url, int status, string field)
    {
        await using var host = await RunningHost.StartAsync(azurite);
        await AssertProblem(await host.Client.GetAsync(url), status, field, url);
    }

    [Fact]
    public async Task An_unknown_incident_action_is_404()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var response = await host.Client.PostAsync("/api/incidents/INC-20261126-ZZZZ/resolve", new StringContent("""{"actor":"a"}""", Encoding.UTF8, "application/json"));
        await AssertProblem(response, 404, "id", "resolve unknown");
        await AssertNothingStored(host);
    }

    internal static async Task<JsonNode> AssertProblem(HttpResponseMessage response, int status, string field, string because)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{because}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(status, (int)problem["status"]!);
        Assert.Equal(field, (string?)problem["field"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        return problem;
    }

    private static async Task AssertNothingStored(RunningHost host)
    {
        Assert.Empty(await host.Storage.IncidentTable.QueryAsync<TableEntity>().ToListAsync());
        Assert.Empty(await host.Storage.IncidentIndex.QueryAsync<TableEntity>().ToListAsync());
    }
}
