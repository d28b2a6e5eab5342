using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoResponder.Graph;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;

namespace AutoResponder.Tests.Graph;

/// <summary>A request as it reached the wire: what Graph would have received.</summary>
public sealed record GraphRequest(HttpMethod Method, Uri Uri, string? Body, string? Authorization = null)
{
    public JsonNode? Json => string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body);
    public string Path => "/" + Uri.GetComponents(UriComponents.Path, UriFormat.Unescaped);

    // A sendMail body: PascalCase top-level keys ("Message", "SaveToSentItems"), as the SDK sends them.
    public JsonElement Message => JsonDocument.Parse(Body!).RootElement.GetProperty("Message");
    public string Subject => Message.GetProperty("subject").GetString()!;
    public string Html => Message.GetProperty("body").GetProperty("content").GetString()!;
    public IReadOnlyList<string> To => Addresses("toRecipients");
    public IReadOnlyList<string> Cc => Addresses("ccRecipients");

    private IReadOnlyList<string> Addresses(string field) => Message.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array
        ? list.EnumerateArray().Select(r => r.GetProperty("emailAddress").GetProperty("address").GetString()!).ToList()
        : [];
}

/// <summary>
/// The innermost handler of the Graph pipeline in tests: records every request and answers like Graph
/// (201 + chatMessage with a new id for posts, 204 for PATCH) unless a scripted answer is queued. Sets
/// <c>response.RequestMessage</c>, without which Graph's RetryHandler never retries.
/// </summary>
public sealed class FakeGraphHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpRequestMessage, HttpResponseMessage?>> _script = new();
    private int _ids = 1000;

    public List<GraphRequest> Requests { get; } = [];

    /// <summary>Called after each request is recorded (e.g. to cancel the caller's token right after Graph answered).</summary>
    public Action<HttpRequestMessage>? Answered { get; set; }

    /// <summary>Answers the next request with this (return null to fall through to the default answer).</summary>
    public FakeGraphHandler Then(Func<HttpRequestMessage, HttpResponseMessage?> answer) { _script.Enqueue(answer); return this; }

    public FakeGraphHandler ThenStatus(HttpStatusCode status, string? retryAfter = null, Func<HttpRequestMessage, bool>? when = null) => Then(r =>
    {
        if (when is not null && !when(r)) return null;
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent(new JsonObject { ["error"] = new JsonObject { ["code"] = status.ToString(), ["message"] = $"scripted {(int)status}" } }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (retryAfter is not null) response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        return response;
    });

    /// <summary>
    /// Graph creates the first new message <paramref name="lose"/> picks, then its answer never arrives (the connection
    /// drops, as when the host dies); from then on a GET of messages lists <paramref name="others"/> and that message, with
    /// the id <paramref name="id"/>, created at <paramref name="now"/>.
    /// </summary>
    public FakeGraphHandler ThenLoseAnswer(Func<GraphRequest, bool> lose, string id, Func<DateTimeOffset> now,
        params JsonObject[] others)
    {
        JsonObject? lost = null;
        return Then(r =>
        {
            if (r.Method == HttpMethod.Post && lost is null && lose(Requests.Last()))
            {
                lost = JsonNode.Parse(Requests.Last().Body!)!.AsObject();
                lost["id"] = id;
                lost["createdDateTime"] = now().ToString("O");
                throw new HttpRequestException("The connection was reset after Graph posted the message.");
            }
            if (r.Method != HttpMethod.Get || lost is null) return null;
            var listed = new JsonArray([.. others.Select(o => o.DeepClone()), lost.DeepClone()]);
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(new JsonObject { ["value"] = listed }.ToJsonString(), Encoding.UTF8, "application/json"),
            };
        });
    }

    public IEnumerable<GraphRequest> Posts(string pathEnd) => Requests.Where(r => r.Method == HttpMethod.Post && r.Path.EndsWith(pathEnd, StringComparison.Ordinal));
    public IEnumerable<GraphRequest> Patches => Requests.Where(r => r.Method == HttpMethod.Patch);
    public List<GraphRequest> SendMails => Posts("/sendMail").ToList();

    /// <summary>A real GraphServiceClient (with Graph's middleware) over this handler.</summary>
    public GraphServiceClient Client() => new(GraphClientFactory.Create(finalHandler: this), new AnonymousAuthenticationProvider());

    /// <summary>For TestApp's configure: all of the app's Graph traffic (the shared client's transport) goes through this handler.</summary>
    public void Install(IServiceCollection services) => services.AddSingleton(new GraphTransport(() => this));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests) Requests.Add(new GraphRequest(request.Method, request.RequestUri!, body, request.Headers.Authorization?.ToString()));
        Answered?.Invoke(request);
        HttpResponseMessage? response = null;
        if (_script.TryPeek(out var next))
        {
            response = next(request);
            if (response is not null) _script.TryDequeue(out _);
        }
        response ??= Default(request, body);
        response.RequestMessage = request;
        return response;
    }

    private HttpResponseMessage Default(HttpRequestMessage request, string? body)
    {
        if (request.Method == HttpMethod.Patch) return new HttpResponseMessage(HttpStatusCode.NoContent);
        if (request.RequestUri!.AbsolutePath.EndsWith("/sendMail", StringComparison.Ordinal)) return new HttpResponseMessage(HttpStatusCode.Accepted);
        if (request.Method == HttpMethod.Post)
        {
            var message = (string.IsNullOrEmpty(body) ? null : JsonNode.Parse(body) as JsonObject) ?? new JsonObject();
            var id = Interlocked.Increment(ref _ids).ToString();
            message["id"] = id;
            message["webUrl"] = $"https://teams.example/l/message/{id}";
            return new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json") };
        }
        var path = request.RequestUri.AbsolutePath;
        if (path.EndsWith("/me", StringComparison.Ordinal) || path.Contains("/users/", StringComparison.Ordinal)) // a user: an id and a name
        {
            var user = new JsonObject { ["id"] = "user-" + Interlocked.Increment(ref _ids), ["displayName"] = Uri.UnescapeDataString(path.Split('/')[^1]) };
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(user.ToJsonString(), Encoding.UTF8, "application/json") };
        }
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
    }
}
