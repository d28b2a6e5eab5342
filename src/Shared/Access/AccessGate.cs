using System.Security.Cryptography;
using System.Text;
using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Access;

/// <summary>
/// Every HTTP route goes through here, in both hosts: the route's entry in <see cref="ApiRoutes"/> says who may
/// call it. Alert senders: the ingest key, on POST /api/alerts only. People: a resolved <see cref="Caller"/>
/// holding a required role. 401 without (valid) credentials, 403 with the wrong ones, as problem details.
/// The action receives the caller; its name is the actor on the timeline.
/// </summary>
public sealed class AccessGate(CallerResolver callers, IOptions<AccessOptions> options, ILogger<AccessGate> log)
{
    public const string KeyHeader = "x-functions-key";
    public const string KeyQuery = "code";

    public Task<ApiResult> RunAsync(HttpRequest request, string routeName, Func<Caller, Task<ApiResult>> action)
    {
        SecurityHeaders.ForApi(request.HttpContext);
        return StorageOutage.GuardAsync(async () =>
        {
            var decision = await AuthorizeAsync(request, ApiRoutes.Get(routeName));
            return decision.Refusal ?? await action(decision.Caller!);
        }, log);
    }

    /// <summary>The same for an action whose answer is not an <see cref="ApiResult"/> (e.g. a cacheable read).</summary>
    public async Task<GatedResult> RunAsync<T>(HttpRequest request, string routeName, Func<Caller, Task<T>> action) where T : IActionResult, IResult
    {
        T? answer = default;
        var refusal = await RunAsync(request, routeName, async caller => { answer = await action(caller); return Allowed; });
        return ReferenceEquals(refusal, Allowed) ? new GatedResult(answer!, answer!) : new GatedResult(refusal, refusal);
    }

    private static readonly ApiResult Allowed = new(StatusCodes.Status200OK, null);

    /// <summary>The caller allowed on <paramref name="route"/>, or the 401/403 answer.</summary>
    public async Task<(Caller? Caller, ApiResult? Refusal)> AuthorizeAsync(HttpRequest request, (string Method, string Path, RouteAccess Access) route)
    {
        // A public route still learns who is calling when credentials come along (health details for people). It never
        // refuses: credentials that cannot be checked now (storage out, Entra metadata unreachable) make the caller anonymous.
        if (route.Access.Public)
        {
            try { return (await callers.ResolveAsync(request, request.HttpContext.RequestAborted) ?? Caller.Anonymous, null); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Credentials on public {Method} {Path} could not be checked; answering as anonymous", route.Method, route.Path);
                return (Caller.Anonymous, null);
            }
        }
        if (route.Access.Ingest)
            return IngestKeyAccepted(request)
                ? (Caller.Ingest, null)
                : (null, Problems.Unauthorized($"{route.Method} {route.Path} needs the ingest key: the {KeyHeader} header or the {KeyQuery} query parameter.", KeyHeader));

        if (request.Query.ContainsKey(KeyQuery))
            return (null, Problems.Unauthorized(
                $"The ingest key is accepted only on POST /api/alerts, never in the query string of another route. Sign in: Authorization: Bearer TOKEN.", KeyQuery));

        var caller = await callers.ResolveAsync(request, request.HttpContext.RequestAborted);
        if (caller is null)
        {
            if (IngestKeyMatches(request.Headers[KeyHeader].ToString()))
                return (null, Problems.Forbidden($"The ingest key may only send alerts (POST /api/alerts); {route.Method} {route.Path} is for people. Sign in: Authorization: Bearer TOKEN."));
            return (null, Problems.Unauthorized($"{route.Method} {route.Path} needs a signed-in person: Authorization: Bearer TOKEN (a personal access token, or an Entra ID token in Azure).", "Authorization")
                .WithHeader("WWW-Authenticate", "Bearer"));
        }
        if (!caller.HasAny(route.Access.AnyOf))
        {
            log.LogInformation("{Caller} ({Roles}) refused on {Method} {Path}", caller.Name, string.Join(',', caller.Roles), route.Method, route.Path);
            return (null, Problems.Forbidden($"{route.Method} {route.Path} needs the role {route.Access}; {caller.Name} has {(caller.Roles.Count == 0 ? "no role" : string.Join(", ", caller.Roles))}."));
        }
        return (caller, null);
    }

    /// <summary>Unset key: the host guards intake (Functions: its function key; standalone: loopback only).</summary>
    private bool IngestKeyAccepted(HttpRequest request)
    {
        if (string.IsNullOrEmpty(options.Value.IngestKey)) return true;
        var given = request.Headers[KeyHeader].ToString();
        if (string.IsNullOrEmpty(given)) given = request.Query[KeyQuery].ToString();
        return IngestKeyMatches(given);
    }

    private bool IngestKeyMatches(string given) =>
        !string.IsNullOrEmpty(options.Value.IngestKey) && !string.IsNullOrEmpty(given) &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(options.Value.IngestKey));
}

/// <summary>The answer of a gated route, executable by both hosts.</summary>
public sealed class GatedResult(IActionResult action, IResult result) : IActionResult, IResult
{
    public Task ExecuteResultAsync(ActionContext context) => action.ExecuteResultAsync(context);
    public Task ExecuteAsync(HttpContext httpContext) => result.ExecuteAsync(httpContext);
}
