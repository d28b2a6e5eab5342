using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AutoResponder.Tests.Http;

/// <summary>
/// A seeded fuzz run over real HTTP: documented samples truncated, with types swapped, nested deeply, blown up to
/// huge values and broken encodings, posted to the intake and to an incident action. Every answer is below 500,
/// and a rejected request leaves the stored rows exactly as they were. Set AUTORESPONDER_FUZZ_SEED to replay a run.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class IntakeFuzzTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Cases = 240;

    [Fact]
    public async Task Mutated_payloads_never_get_a_5xx_and_rejections_store_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AUTORESPONDER_FUZZ_SEED"), out var s) ? s : 20261202;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        var samples = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Samples"), "*.json", SearchOption.AllDirectories)
            .Select(File.ReadAllText).ToList();
        // No outbox pump: its background writes (state rows, index markers) would move the row count between a case's two reads.
        await using var host = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork, HostileInputTests.QuietFeatures);
        var opened = await host.Client.PostAsync("/api/alerts", new StringContent("""{"title":"Fuzz target","severity":"Sev3","service":"fuzz"}""", Encoding.UTF8, "application/json"));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        var statuses = new Dictionary<int, int>();
        var eta = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().AddHours(3).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

        for (var i = 0; i < Cases; i++)
        {
            var toAction = i % 6 == 5;
            var basis = toAction ? $$"""{"actor":"fuzz","text":"rolling back","nextSteps":"watch","eta":"{{eta}}"}""" : samples[random.Next(samples.Count)];
            var (mutation, body) = Mutate(basis, random);
            var before = await HostileInputTests.StoredRows(host);
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");

            var response = await host.Client.PostAsync(toAction ? $"/api/incidents/{id}/status" : "/api/alerts", content);

            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"case {i} ({mutation}, seed {seed}): {status} {await response.Content.ReadAsStringAsync()}");
            if (status >= 400) Assert.True(before == await HostileInputTests.StoredRows(host), $"case {i} ({mutation}, seed {seed}) was rejected with {status} but stored rows");
        }
        output.WriteLine(string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        Assert.True(statuses.Keys.Count(k => k >= 400) >= 2, "the mutations reach several kinds of rejection");
        Assert.Contains(statuses.Keys, k => k < 300); // and some mutations are still acceptable payloads
    }

    private static (string Name, byte[] Body) Mutate(string json, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        switch (random.Next(7))
        {
            case 0:
                return ("truncated", bytes[..random.Next(bytes.Length)]);
            case 1:
                {
                    var copy = bytes.ToList();
                    var at = random.Next(copy.Count);
                    byte[][] invalid = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xC3], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]];
                    copy.InsertRange(at, invalid[random.Next(invalid.Length)]);
                    return ("invalid UTF-8", copy.ToArray());
                }
            case 2:
                return ("lone surrogate", Encoding.UTF8.GetBytes(ReplaceString(json, random, random.Next(2) == 0 ? "\\ud800" : "x\\udfff")));
        }

        var root = JsonNode.Parse(json)!;
        var nodes = Walk(root).Where(n => n.Parent is not null).ToList();
        if (nodes.Count == 0) return ("unchanged", bytes);
        var target = nodes[random.Next(nodes.Count)];
        string name;
        switch (random.Next(4))
        {
            case 0:
                JsonNode?[] swaps = [JsonValue.Create(42), JsonValue.Create("text"), new JsonArray(1, 2), new JsonObject { ["x"] = 1 }, null, JsonValue.Create(true)];
                Replace(target, swaps[random.Next(swaps.Length)]?.DeepClone());
                name = "type swap at " + target.GetPath();
                break;
            case 1:
                var depth = random.Next(2) == 0 ? 40 : 200;
                JsonNode nested = JsonValue.Create(1);
                for (var d = 0; d < depth; d++) nested = new JsonArray(nested);
                Replace(target, nested);
                name = $"nested {depth} deep at " + target.GetPath();
                break;
            case 2:
                JsonNode[] huge = [JsonValue.Create(new string('h', random.Next(2) == 0 ? 20_000 : 70_000)), JsonNode.Parse(new string('7', 3000))!,
                    new JsonArray(Enumerable.Range(0, 12_000).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()), JsonValue.Create("0001-01-01T00:00:00Z")];
                Replace(target, huge[random.Next(huge.Length)]);
                name = "huge value at " + target.GetPath();
                break;
            default:
                if (target.Parent is JsonObject parent) parent.Remove(target.GetPropertyName());
                else if (target.Parent is JsonArray array) array.Remove(target);
                name = "removed " + target.GetPath();
                break;
        }
        return (name, Encoding.UTF8.GetBytes(root.ToJsonString()));
    }

    private static IEnumerable<JsonNode> Walk(JsonNode node)
    {
        yield return node;
        var children = node switch { JsonObject o => o.Select(p => p.Value), JsonArray a => a.AsEnumerable(), _ => [] };
        foreach (var child in children.OfType<JsonNode>())
            foreach (var n in Walk(child)) yield return n;
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject o: o[target.GetPropertyName()] = value; break;
            case JsonArray a: a[a.IndexOf(target)] = value; break;
        }
    }

    /// <summary>Puts <paramref name="escape"/> (a JSON escape) inside a random string value of the text.</summary>
    private static string ReplaceString(string json, Random random, string escape)
    {
        var quotes = Enumerable.Range(0, json.Length).Where(i => json[i] == '"' && (i == 0 || json[i - 1] != '\\')).ToList();
        if (quotes.Count < 2) return json;
        var at = quotes[random.Next(quotes.Count - 1)] + 1;
        return json[..at] + escape + json[at..];
    }
}
