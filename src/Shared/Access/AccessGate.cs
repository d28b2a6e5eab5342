using System.Security.Cryptography;
using System.Text;
using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Access;

/// <summary>
/// Every HTTP route goes through here, in both hosts: the route's declaration (<c>AutoResponder.Routes.ApiRoute</c>,
/// in its feature) says who may call it. Alert and change senders: the ingest key, on POST /api/alerts and POST
/// /api/changes only. People: a resolved <see cref="Caller"/> holding a required role. 401 without (valid) credentials,
/// 403 with the wrong ones, as problem details. The action receives the caller; its name is the actor on the timeline.
/// </summary>
internal sealed class AccessGate(CallerResolver callers, IOptions<AccessOptions> options, ILogger<AccessGate> log)
{
    public const string KeyHeader = "x-functions-key";
    public const string KeyQuery = "code";

    /// <summary>
    /// Runs <paramref name="action"/> for a caller allowed by <paramref name="access"/>; else answers 401/403. Storage
    /// outages answer 503.
    /// </summary>
    public async Task<IResult> RunAsync(HttpRequest request, string method, string path, RouteAccess access,
        Func<Caller, Task<IResult>> action)
    {
        SecurityHeaders.ForApi(request.HttpContext);
        IResult? answer = null;
        var refusal = await StorageOutage.GuardAsync(async () =>
        {
            var decision = await AuthorizeAsync(request, (method, path, access));
            if (decision.Refusal is not null) return decision.Refusal;
            answer = await action(decision.Caller!);
            return Allowed;
        }, log);
        return ReferenceEquals(refusal, Allowed) ? answer! : refusal;
    }

    private static readonly ApiResult Allowed = new(StatusCodes.Status200OK, null);

    /// <summary>The caller allowed on <paramref name="route"/>, or the 401/403 answer.</summary>
    public async Task<(Caller? Caller, ApiResult? Refusal)> AuthorizeAsync(HttpRequest request,
        (string Method, string Path, RouteAccess Access) route)
    {
        // A public route still learns who is calling when credentials come along (health details for people). It never
        // refuses: credentials that cannot be checked now (storage out, Entra metadata unreachable) make the caller
        // anonymous.
        if (route.Access.Public)
        {
            try { return (await callers.ResolveAsync(request, request.HttpContext.RequestAborted) ?? Caller.Anonymous, null); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Credentials on public {Method} {Path} could not be checked; answering as anonymous",
                    route.Method, route.Path);
                return (Caller.Anonymous, null);
            }
        }
        if (route.Access.Ingest)
            return IngestKeyAccepted(request)
                ? (Caller.Ingest, null)
                : (null, Problems.Unauthorized($"{route.Method} {route.Path} needs the ingest key: the {KeyHeader} " +
                    $"header or the {KeyQuery} query parameter.", KeyHeader));

        if (request.Query.ContainsKey(KeyQuery))
            return (null, Problems.Unauthorized(
                $"The ingest key is accepted only on POST /api/alerts and POST /api/changes, never in the query " +
                $"string of another route. Sign in: Authorization: Bearer TOKEN.", KeyQuery));

        var caller = await callers.ResolveAsync(request, request.HttpContext.RequestAborted);
        if (caller is null)
        {
            if (IngestKeyMatches(request.Headers[KeyHeader].ToString()))
                return (null, Problems.Forbidden($"The ingest key may only send alerts and changes (POST /api/alerts, POST /api/changes); {route.Method} {route.Path} is for people. Sign in: Authorization: Bearer TOKEN."));
            return (null, Problems.Unauthorized($"{route.Method} {route.Path} needs a signed-in person: " +
                $"Authorization: Bearer TOKEN (a personal access token, or an Entra ID token in Azure).",
                "Authorization")
                .WithHeader("WWW-Authenticate", "Bearer"));
        }
        if (!caller.HasAny(route.Access.AnyOf))
        {
            log.LogInformation("{Caller} ({Roles}) refused on {Method} {Path}", caller.Name,
                string.Join(',', caller.Roles), route.Method, route.Path);
            return (null, Problems.Forbidden($"{route.Method} {route.Path} needs the role {route.Access}; " +
                $"{caller.Name} has {(caller.Roles.Count == 0 ? "no role" : string.Join(", ", caller.Roles))}."));
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
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given),
            Encoding.UTF8.GetBytes(options.Value.IngestKey));
}
