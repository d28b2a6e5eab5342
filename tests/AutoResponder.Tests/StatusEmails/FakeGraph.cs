using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;

namespace AutoResponder.Tests.StatusEmails;

/// <summary>A request Graph received: method, decoded path, JSON body.</summary>
public sealed record GraphRequest(HttpMethod Method, Uri Uri, string Body)
{
    public string Path => Uri.UnescapeDataString(Uri.AbsolutePath);
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    /// <summary>The "Message" object of a sendMail body (PascalCase top-level keys, as the SDK sends them).</summary>
    public JsonElement Message => Json.GetProperty("Message");
    public string Subject => Message.GetProperty("subject").GetString()!;
    public string Html => Message.GetProperty("body").GetProperty("content").GetString()!;
    public IReadOnlyList<string> To => Message.GetProperty("toRecipients").EnumerateArray().Select(r => r.GetProperty("emailAddress").GetProperty("address").GetString()!).ToList();
    public IReadOnlyList<string> Cc => Message.TryGetProperty("ccRecipients", out var cc) ? cc.EnumerateArray().Select(r => r.GetProperty("emailAddress").GetProperty("address").GetString()!).ToList() : [];
}

/// <summary>
/// The Graph transport for tests, under a real GraphServiceClient (with its middleware). Answers 202, or
/// whatever the queued responses say. Sets RequestMessage so the retry handler works as in production.
/// </summary>
public sealed class FakeGraphHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpResponseMessage>> _responses = new();
    public ConcurrentQueue<GraphRequest> Requests { get; } = new();
    public List<GraphRequest> SendMails => Requests.Where(r => r.Path.EndsWith("/sendMail", StringComparison.Ordinal)).ToList();

    public void Enqueue(Func<HttpResponseMessage> response) => _responses.Enqueue(response);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Enqueue(new GraphRequest(request.Method, request.RequestUri!, body));
        var response = _responses.TryDequeue(out var next) ? next() : new HttpResponseMessage(HttpStatusCode.Accepted);
        response.RequestMessage = request;
        return response;
    }

    public GraphServiceClient Client() => new(GraphClientFactory.Create(finalHandler: this), new AnonymousAuthenticationProvider());

    /// <summary>For TestApp's configure: the app's Graph traffic (the shared client's transport) goes through this handler.</summary>
    public void Install(IServiceCollection services) => services.AddSingleton(new AutoResponder.Graph.GraphTransport(() => this));
}
