using System.Text.Json;

namespace AutoResponder.FunctionsHost;

/// <summary>
/// The host.json values this test host honours: <c>extensions.http.routePrefix</c> (default "api") and
/// <c>extensions.queues</c> (defaults of the Storage Queues extension's QueuesOptions: batchSize 16,
/// maxDequeueCount 5, visibilityTimeout 0, maxPollingInterval 1 minute).
/// </summary>
public sealed record HostJson(string RoutePrefix, int BatchSize, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval)
{
    public static HostJson Read(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"No host.json in {appDirectory}.");
        using var json = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var extensions = json.RootElement.TryGetProperty("extensions", out var e) ? e : default;
        var http = Section(extensions, "http");
        var queues = Section(extensions, "queues");
        return new HostJson(
            String(http, "routePrefix") ?? "api",
            int.TryParse(String(queues, "batchSize"), out var batch) ? batch : 16,
            int.TryParse(String(queues, "maxDequeueCount"), out var dequeues) ? dequeues : 5,
            TimeSpan.TryParse(String(queues, "visibilityTimeout"), out var visibility) ? visibility : TimeSpan.Zero,
            TimeSpan.TryParse(String(queues, "maxPollingInterval"), out var polling) ? polling : TimeSpan.FromMinutes(1));
    }

    private static JsonElement Section(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var section) ? section : default;

    private static string? String(JsonElement section, string name) =>
        section.ValueKind == JsonValueKind.Object && section.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;
}
