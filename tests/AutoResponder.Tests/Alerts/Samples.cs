using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoResponder.Tests.Alerts;

/// <summary>Reads the sample payloads copied to the test output (Samples/**).</summary>
internal static class Samples
{
    public static string Text(params string[] path) =>
        File.ReadAllText(Path.Combine([AppContext.BaseDirectory, "Samples", .. path]));

    public static JsonElement Load(params string[] path) => Parse(Text(path));

    /// <summary>A sample as a mutable node, for building invalid variants.</summary>
    public static JsonObject Node(params string[] path) => JsonNode.Parse(Text(path))!.AsObject();

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static JsonElement ToElement(this JsonNode node) => Parse(node.ToJsonString());
}
