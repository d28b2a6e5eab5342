using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Tests.Infrastructure;
using Azure.Data.Tables;

namespace AutoResponder.Tests.Http;

/// <summary>
/// Input hardening by class, over real HTTP: invalid encodings, wrong types, numbers and strings too large for
/// storage, out-of-range dates — each a 4xx problem naming the field, never a 500, and nothing stored (in a
/// multi-alert delivery, not even the good alerts before the bad one).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostileInputTests(AzuriteFixture azurite)
{
    internal static readonly string[] QuietFeatures =
        ["AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false", "AutoResponder:Reminders:Enabled=false"];

    private static string Sample(string kind, string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", kind, name));

    private static string Alertmanager(Action<JsonArray> change)
    {
        var node = JsonNode.Parse(Sample("Alertmanager", "alertmanager-group.json"))!;
        change(node["alerts"]!.AsArray());
        return node.ToJsonString();
    }

    private static string Generic(Action<JsonObject> change)
    {
        var node = new JsonObject { ["title"] = "Checkout errors", ["severity"] = "Sev2", ["service"] = "checkout" };
        change(node);
        return node.ToJsonString();
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static TheoryData<string, byte[], int, string> Corpus() => new()
    {
        { "invalid UTF-8 byte", [.. Bytes("""{"title":"bad """), 0xFF, 0xFE, .. Bytes("""  byte"}""")], 400, "$" },
        { "overlong UTF-8", [.. Bytes("""{"title":"x"""), 0xC0, 0xAF, .. Bytes("\"}")], 400, "$" },
        { "truncated UTF-8 sequence", [.. Bytes("""{"title":"caf"""), 0xC3, .. Bytes("\"}")], 400, "$" },
        { "lone high surrogate", Bytes("""{"title":"x\ud800y"}"""), 400, "title" },
        { "lone low surrogate in a label name", Bytes("""{"title":"x","labels":{"a\udc00":"b"}}"""), 400, "labels" },
        { "number with thousands of digits", Bytes(Generic(n => n["labels"] = new JsonObject { ["count"] = JsonNode.Parse(new string('9', 5000)) })), 422, "labels.count" },
        { "huge exponent", Bytes(Generic(n => n["labels"] = new JsonObject { ["count"] = JsonNode.Parse("1e" + new string('9', 60)) })), 422, "labels.count" },
        { "40,000-character title", Bytes(Generic(n => n["title"] = new string('t', 40_000))), 422, "title" },
        { "2,000-character title", Bytes(Generic(n => n["title"] = new string('t', 2_000))), 422, "title" },
        { "100 KB dedup key", Bytes(Generic(n => n["dedupKey"] = new string('k', 100_000))), 422, "dedupKey" },
        { "100 KB label", Bytes(Generic(n => n["labels"] = new JsonObject { ["team"] = new string('l', 100_000) })), 422, "labels.team" },
        { "5,000 labels", Bytes(Generic(n => n["labels"] = new JsonObject(Enumerable.Range(0, 5000).Select(i => KeyValuePair.Create($"l{i}", (JsonNode?)JsonValue.Create("v")))))), 422, "labels" },
        { "5,000 links", Bytes(Generic(n => n["links"] = new JsonArray(Enumerable.Range(0, 5000).Select(i => (JsonNode?)JsonValue.Create($"https://x.example/{i}")).ToArray()))), 422, "links" },
        { "startsAt 0001-01-01", Bytes(Generic(n => n["startsAt"] = "0001-01-01T00:00:00Z")), 422, "startsAt" },
        { "startsAt in the year 9999", Bytes(Generic(n => n["startsAt"] = "9999-12-31T00:00:00Z")), 422, "startsAt" },
        { "labels as an array", Bytes(Generic(n => n["labels"] = new JsonArray("a", "b"))), 422, "labels" },
        { "a label that is an object", Bytes(Generic(n => n["labels"] = new JsonObject { ["team"] = new JsonObject() })), 422, "labels.team" },
        { "alertmanager alerts as a string", Bytes("""{"version":"4","receiver":"r","groupKey":"g","status":"firing","alerts":"none"}"""), 422, "alerts" },
        { "alertmanager alert without labels", Bytes(Alertmanager(a => a[1]!.AsObject().Remove("labels"))), 400, "alerts[1].labels" },
        { "alertmanager labels as a string", Bytes(Alertmanager(a => a[0]!["labels"] = "severity=critical")), 422, "alerts[0].labels" },
        { "alertmanager second alert from year 1", Bytes(Alertmanager(a => a[1]!["startsAt"] = "0001-01-01T00:00:00Z")), 422, "alerts[1].startsAt" },
        { "alertmanager last alert with a 100 KB label", Bytes(Alertmanager(a => a[^1]!["labels"]!["team"] = new string('x', 100_000))), 422, "alerts[2].labels.team" },
        { "deep nesting", Bytes("""{"title":"x","labels":""" + new string('[', 5000) + new string(']', 5000) + "}"), 400, "$" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Hostile_alerts_get_a_problem_naming_the_field_and_nothing_is_stored(string name, byte[] body, int status, string field)
    {
        await using var host = await RunningHost.StartAsync(azurite, null, QuietFeatures);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        var response = await host.Client.PostAsync("/api/alerts", content);

        await BadInputTests.AssertProblem(response, status, field, name);
        Assert.Equal(0, await StoredRows(host));
    }

    public static TheoryData<string, string, byte[], int, string> ActionCorpus() => new()
    {
        { "status", "lone surrogate", Bytes("""{"actor":"alice","text":"rolling \ud800 back"}"""), 400, "text" },
        { "status", "invalid UTF-8", [.. Bytes("""{"actor":"alice","text":"rolling """), 0xFF, .. Bytes("\"}")], 400, "$" },
        { "status", "a number of 5,000 digits", Bytes("""{"actor":"alice","text":""" + new string('1', 5000) + "}"), 422, "text" },
        { "status", "a 40,000-character text", Bytes($$"""{"actor":"alice","text":"{{new string('t', 40_000)}}"}"""), 422, "text" },
        { "acknowledge", "owner as an array", Bytes("""{"owner":["alice"]}"""), 422, "owner" },
        { "resolve", "deep nesting", Bytes("""{"actor":"alice","text":""" + new string('[', 1000) + new string(']', 1000) + "}"), 400, "$" },
    };

    [Theory]
    [MemberData(nameof(ActionCorpus))]
    public async Task Hostile_incident_action_bodies_get_a_problem_and_change_nothing(string action, string name, byte[] body, int status, string field)
    {
        await using var host = await RunningHost.StartAsync(azurite, null, QuietFeatures);
        var opened = await host.Client.PostAsync("/api/alerts", new StringContent("""{"title":"Search down","severity":"Sev2","service":"search"}""", Encoding.UTF8, "application/json"));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        var before = await StoredRows(host);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        var response = await host.Client.PostAsync($"/api/incidents/{id}/{action}", content);

        await BadInputTests.AssertProblem(response, status, field, $"{action}: {name}");
        Assert.Equal(before, await StoredRows(host));
    }

    [Fact]
    public async Task Every_Azure_Monitor_sample_is_accepted_over_HTTP()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, QuietFeatures);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Samples", "AzureMonitor"), "*.json"))
        {
            var response = await host.Client.PostAsync("/api/alerts", new StringContent(await File.ReadAllTextAsync(file), Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{Path.GetFileName(file)}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Rows in the incident table and its index: what any accepted request writes.</summary>
    internal static async Task<int> StoredRows(RunningHost host) =>
        (await host.Storage.IncidentTable.QueryAsync<TableEntity>(select: ["PartitionKey"]).ToListAsync()).Count
        + (await host.Storage.IncidentIndex.QueryAsync<TableEntity>(select: ["PartitionKey"]).ToListAsync()).Count;
}
