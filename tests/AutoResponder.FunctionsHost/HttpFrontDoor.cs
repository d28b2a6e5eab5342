using System.Security.Cryptography;
using System.Text;
using AutoResponder.FunctionsHost.Rpc;
using Microsoft.AspNetCore.Routing.Template;

namespace AutoResponder.FunctionsHost;

/// <summary>
/// The HTTP side of the Functions host for HTTP-proxying workers (ASP.NET Core integration):
/// <list type="number">
/// <item>match the request against the route templates of the worker's <c>httpTrigger</c> bindings (host.json's
///   <c>extensions.http.routePrefix</c> in front; the most specific template first, as ASP.NET routing orders them);</item>
/// <item>on <c>authLevel: function</c> (or admin) routes, require the function key in <c>x-functions-key</c> or
///   <c>?code=</c>, else 401 (the host's FunctionAuthorizationHandler);</item>
/// <item>forward the request to the worker's <c>HttpUri</c> with <c>x-ms-invocation-id</c> (the host's
///   DefaultHttpProxyService: YARP forwarder, no redirects followed, no cookie container) and send the paired
///   InvocationRequest (GrpcWorkerChannel.SendInvocationRequest starts the forward before sending it);</item>
/// <item>copy the worker's response back as sent (status, headers including every Set-Cookie, body); a failed
///   invocation answers 500, as the host does.</item>
/// </list>
/// </summary>
public sealed class HttpFrontDoor
{
    /// <summary>The correlation header the worker pairs the HTTP request with the invocation by (ScriptConstants.HttpProxyCorrelationHeader).</summary>
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly WorkerChannel _worker;
    private readonly string _functionKey;
    private readonly HttpMessageInvoker _forwarder = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    });
    private readonly List<HttpRoute> _routes;

    public HttpFrontDoor(WorkerChannel worker, IEnumerable<LoadedFunction> functions, string routePrefix, string functionKey)
    {
        _worker = worker;
        _functionKey = functionKey;
        _routes = functions.Where(f => f.TriggerType.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase))
            .Select(f => HttpRoute.From(f, routePrefix))
            .OrderBy(r => r.Precedence)
            .ToList();
    }

    /// <summary>"METHOD /path" of every HTTP function, e.g. "POST /api/alerts".</summary>
    public IEnumerable<string> Routes => _routes.SelectMany(r => r.Methods.Select(m => $"{m} /{r.Template.TemplateText}"));

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var (route, values) = Match(request.Method, request.Path);
        if (route is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (route.NeedsKey && !KeyGiven(request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var forward = ForwardAsync(context, invocationId, abort.Token);
        var invocation = _worker.InvokeAsync(Invocation(route, values!, request, invocationId));

        await Task.WhenAny(forward, invocation);
        if (invocation.IsCompleted && (invocation.IsFaulted || invocation.Result.Result.Status != StatusResult.Types.Status.Success))
        {
            abort.Cancel();
            try { (await forward).Dispose(); } catch (Exception) { /* cancelled with the failed invocation */ }
            _worker.Log($"(test host) {route.Function.Name} failed: {(invocation.IsFaulted ? invocation.Exception!.GetBaseException().Message : invocation.Result.Result.Exception?.Message)}");
            if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        HttpResponseMessage response;
        try { response = await forward; }
        catch (HttpRequestException e)
        {
            _worker.Log($"(test host) could not forward to the worker's HTTP server: {e.Message}");
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }
        using var _ = response;
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
            if (!HopByHop.Contains(header.Key))
                context.Response.Headers.Append(header.Key, header.Value.ToArray());
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        await invocation;
    }

    private (HttpRoute?, RouteValueDictionary?) Match(string method, PathString path)
    {
        foreach (var route in _routes)
        {
            if (!route.Methods.Contains(method, StringComparer.OrdinalIgnoreCase)) continue;
            var values = new RouteValueDictionary();
            if (route.Matcher.TryMatch(path, values)) return (route, values);
        }
        return (null, null);
    }

    private bool KeyGiven(HttpRequest request)
    {
        var given = request.Headers["x-functions-key"].ToString();
        if (given.Length == 0) given = request.Query["code"].ToString();
        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(_functionKey));
    }

    private async Task<HttpResponseMessage> ForwardAsync(HttpContext context, string invocationId, CancellationToken ct)
    {
        var request = context.Request;
        var target = new Uri(_worker.HttpUri!, request.Path.Value + request.QueryString.Value);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
            message.Content = new StreamContent(request.Body);
        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key)) continue;
            if (!message.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
                message.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        }
        message.Headers.Host = request.Host.Value;
        message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        message.Headers.Remove(InvocationIdHeader);
        message.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
        return await _forwarder.SendAsync(message, ct);
    }

    /// <summary>
    /// The InvocationRequest for an HTTP trigger of a proxying worker: the trigger binding as RpcHttp (method, URL,
    /// headers, query, route values; the body travels over the proxied request) and the route values as trigger
    /// metadata, as the host's ScriptInvocationContext.ToRpcInvocationRequest produces them.
    /// </summary>
    private static InvocationRequest Invocation(HttpRoute route, RouteValueDictionary values, HttpRequest request, string invocationId)
    {
        var http = new RpcHttp
        {
            Method = request.Method,
            Url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}",
        };
        foreach (var header in request.Headers) http.Headers[header.Key.ToLowerInvariant()] = header.Value.ToString();
        foreach (var query in request.Query) http.Query[query.Key] = query.Value.ToString();
        var invocation = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = route.Function.FunctionId,
            InputData = { new ParameterBinding { Name = route.Function.TriggerName, Data = new TypedData { Http = http } } },
            TraceContext = new RpcTraceContext(),
        };
        foreach (var (key, value) in values)
        {
            http.Params[key] = value?.ToString() ?? "";
            invocation.TriggerMetadata[key] = new TypedData { String = value?.ToString() ?? "" };
        }
        return invocation;
    }

    private sealed record HttpRoute(LoadedFunction Function, RouteTemplate Template, TemplateMatcher Matcher, string[] Methods, bool NeedsKey, decimal Precedence)
    {
        public static HttpRoute From(LoadedFunction function, string prefix)
        {
            var trigger = function.Trigger;
            var route = LoadedFunction.Text(trigger, "route");
            if (route.Length == 0) route = function.Name;
            var template = TemplateParser.Parse(string.Join('/', new[] { prefix.Trim('/'), route.Trim('/') }.Where(s => s.Length > 0)));
            var methods = trigger.TryGetProperty("methods", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Array
                ? m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant()).ToArray()
                : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
            var level = LoadedFunction.Text(trigger, "authLevel");
            var needsKey = level.Equals("function", StringComparison.OrdinalIgnoreCase) || level.Equals("admin", StringComparison.OrdinalIgnoreCase);
            return new HttpRoute(function, template, new TemplateMatcher(template, new RouteValueDictionary()), methods, needsKey, RoutePrecedence.ComputeInbound(template));
        }
    }
}
