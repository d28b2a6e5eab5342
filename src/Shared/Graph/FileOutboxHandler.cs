using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoResponder.Graph;

/// <summary>
/// File mode's transport: writes each Graph request (method, URL, JSON body) to one JSON file in the
/// outbox folder and answers the way Graph would (a chatMessage with a generated id for a post, 204 for a
/// PATCH, 202 for sendMail), so the same code runs locally and a person can read exactly what would be sent.
/// Files are named so that `ls` shows them in the order they were sent.
/// </summary>
public sealed class FileOutboxHandler(string folder, TimeProvider time) : HttpMessageHandler
{
    private static long _sequence;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Folder { get; } = Path.GetFullPath(folder);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var text = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? body = null;
        if (!string.IsNullOrEmpty(text))
        {
            try { body = JsonNode.Parse(text); }
            catch (JsonException) { body = JsonValue.Create(text); }
        }

        var sequence = Interlocked.Increment(ref _sequence);
        var id = $"{now.ToUnixTimeMilliseconds()}{sequence % 1000:D3}";
        var record = new JsonObject
        {
            ["method"] = request.Method.Method,
            ["url"] = request.RequestUri?.ToString(),
            ["sentAt"] = now.ToString("O"),
            ["body"] = body,
        };
        if (request.Method == HttpMethod.Post
            && !(request.RequestUri?.AbsolutePath ?? "").EndsWith("/sendMail", StringComparison.OrdinalIgnoreCase))
            record["id"] = id; // the id the answer gives what was created (a reply's URL names its root post by it)
        Directory.CreateDirectory(Folder);
        var slug = string.Concat((request.RequestUri?.AbsolutePath ?? "")
            .Split('/', StringSplitOptions.RemoveEmptyEntries).TakeLast(2)).Replace('$', '_');
        var name = $"{now:yyyyMMdd-HHmmss-fff}-{sequence:D6}-{request.Method.Method.ToLowerInvariant()}-{slug}.json";
        // Written aside and renamed: a file appears whole or not at all, even if the process dies mid-write.
        // Owner-only (0600): mails carry customer data (the ops export's CSV), which other users of the machine must
        // not read.
        var partial = Path.Combine(Folder, $".{name}.partial");
        await using (var file = OwnerOnly(partial))
            await file.WriteAsync(Encoding.UTF8.GetBytes(record.ToJsonString(Indented)), cancellationToken);
        File.Move(partial, Path.Combine(Folder, name));

        return Answer(request, body, id, now);
    }

    /// <summary>
    /// A new file readable and writable by this user only (Unix mode 0600; on Windows the folder's ACL applies).
    /// </summary>
    public static FileStream OwnerOnly(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }

    private static HttpResponseMessage Answer(HttpRequestMessage request, JsonNode? body, string id, DateTimeOffset now)
    {
        var path = request.RequestUri?.AbsolutePath ?? "";
        HttpResponseMessage response;
        if (request.Method == HttpMethod.Post
            && (path.EndsWith("/messages", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith("/replies", StringComparison.OrdinalIgnoreCase)))
        {
            var message = body as JsonObject ?? new JsonObject();
            message = (JsonObject)message.DeepClone();
            message["id"] = id;
            message["createdDateTime"] = now.ToString("O");
            message["webUrl"] = $"file-outbox://{path.TrimStart('/')}/{id}";
            response = Json(HttpStatusCode.Created, message);
        }
        else if (request.Method == HttpMethod.Post && path.EndsWith("/sendMail", StringComparison.OrdinalIgnoreCase))
            response = new HttpResponseMessage(HttpStatusCode.Accepted);
        else if (request.Method == HttpMethod.Patch || request.Method == HttpMethod.Delete)
            response = new HttpResponseMessage(HttpStatusCode.NoContent);
        else if (request.Method == HttpMethod.Post)
        {
            var created = (body as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
            created["id"] = id;
            response = Json(HttpStatusCode.Created, created);
        }
        else
            response = Json(HttpStatusCode.OK, new JsonObject { ["id"] = id });
        response.RequestMessage = request;
        return response;
    }

    private static HttpResponseMessage Json(HttpStatusCode status, JsonNode node) =>
        new(status) { Content = new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json") };
}
