using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The Graph transport when no credentials are configured: writes each request (method, URL, JSON body) to
/// a file in the outbox folder and answers 202 Accepted as sendMail does. The code path above it is the real one.
/// </summary>
public sealed class FileOutboxGraphHandler(string folder, TimeProvider time, ILogger log) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var content = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? body = null;
        if (!string.IsNullOrEmpty(content))
        {
            try { body = JsonNode.Parse(content); } catch (JsonException) { body = content; }
        }
        var record = new JsonObject
        {
            ["method"] = request.Method.Method,
            ["url"] = request.RequestUri?.ToString(),
            ["writtenAt"] = time.GetUtcNow().ToString("o"),
            ["body"] = body,
        };
        var path = Path.Combine(folder, $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        log.LogInformation("Graph request {Method} {Url} written to {Path} (no Graph credentials configured)", request.Method, request.RequestUri, path);
        return new HttpResponseMessage(HttpStatusCode.Accepted) { RequestMessage = request };
    }
}
