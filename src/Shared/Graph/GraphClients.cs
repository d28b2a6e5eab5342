using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Authentication.Azure;

namespace AutoResponder.Graph;

/// <summary>
/// The shared Microsoft Graph clients, built once on Graph's middleware pipeline
/// (<see cref="GraphClientFactory.CreateDefaultHandlers"/>: retry honouring Retry-After on 429/503/504,
/// redirect, compression …) over the <see cref="GraphTransport"/> (real network, the file outbox, or a
/// test's fake handler). Use <see cref="Delegated"/> for Teams channel messages (service account) and
/// <see cref="AppOnly"/> for app-only calls such as <c>AppOnly.Users[mailbox].SendMail.PostAsync(...)</c>.
/// Catch failures with <see cref="GraphErrors"/>.
/// </summary>
internal sealed class GraphClients : IDisposable
{
    private static readonly string[] AppOnlyScopes = ["https://graph.microsoft.com/.default"];
    /// <summary>
    /// The only host a token is attached to: a URL elsewhere (a crafted nextLink, a redirect) gets no bearer token.
    /// </summary>
    public static readonly string[] AllowedHosts = ["graph.microsoft.com"];
    /// <summary>
    /// How long one call may take, Graph's retries of a 503/504 included (the HttpClient's timeout bounds the whole
    /// pipeline): the Graph SDK's default, named because a storm digest's render claim covers a POST this long
    /// (<see cref="Teams.TeamsDigest.PostClaim"/>).
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);
    private readonly Lazy<(HttpClient Http, GraphServiceClient Client)> _delegated;
    private readonly Lazy<(HttpClient Http, GraphServiceClient Client)> _appOnly;

    public GraphClients(IOptions<GraphOptions> options, IGraphCredentials credentials, GraphTransport transport)
    {
        var o = options.Value;
        Mode = o.EffectiveMode;
        _delegated = new(() => Build(credentials.Delegated, [.. o.EffectiveDelegatedScopes], transport));
        _appOnly = new(() => Build(credentials.AppOnly, AppOnlyScopes, transport));
    }

    /// <summary>Live or File (never Auto).</summary>
    public GraphMode Mode { get; }
    public bool IsLive => Mode == GraphMode.Live;

    /// <summary>Calls made as the service account (delegated permissions, e.g. ChannelMessage.Send).</summary>
    public GraphServiceClient Delegated => _delegated.Value.Client;
    /// <summary>Calls made as the application (application permissions, e.g. Mail.Send).</summary>
    public GraphServiceClient AppOnly => _appOnly.Value.Client;

    private static (HttpClient, GraphServiceClient) Build(TokenCredential credential, string[] scopes,
        GraphTransport transport)
    {
        var http = GraphClientFactory.Create(
            GraphClientFactory.CreateDefaultHandlers(),
            finalHandler: transport.CreateHandler(),
            disposeHandler: true);
        http.Timeout = RequestTimeout;
        var auth = new AzureIdentityAuthenticationProvider(credential, allowedHosts: AllowedHosts,
            observabilityOptions: null, isCaeEnabled: false, scopes);
        return (http, new GraphServiceClient(http, auth));
    }

    public void Dispose()
    {
        if (_delegated.IsValueCreated) _delegated.Value.Http.Dispose();
        if (_appOnly.IsValueCreated) _appOnly.Value.Http.Dispose();
    }
}

/// <summary>How to read a failed Graph call.</summary>
public static class GraphErrors
{
    /// <summary>
    /// The service account's sign-in is missing, expired or revoked: only a person running
    /// `autoresponder graph login` fixes it. (401 from Graph counts too: the token was refused.)
    /// </summary>
    public static bool IsSignInRequired(Exception error) =>
        Chain(error).Any(e => e is AuthenticationRequiredException or CredentialUnavailableException || (e is ApiException { ResponseStatusCode: 401 }));

    /// <summary>The HTTP status Graph answered with, when the failure was an answer (0 otherwise).</summary>
    public static int StatusCode(Exception error) =>
        Chain(error).OfType<ApiException>().Select(e => e.ResponseStatusCode).FirstOrDefault();

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException) yield return e;
    }
}
