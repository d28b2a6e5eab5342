using Microsoft.AspNetCore.Http;

namespace AutoResponder.Http;

/// <summary>
/// Response headers every answer of ours carries, in both hosts. <c>/api</c> answers (set by
/// the access gate before the route runs): <c>X-Content-Type-Options: nosniff</c> and
/// <c>Cache-Control: no-store</c> (a route may choose its own caching, as <c>GET /api/switches</c> does for
/// storefronts). Every answer over https: <c>Strict-Transport-Security</c>.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>One year; no includeSubDomains or preload: the app does not own its parent domain.</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public static void ForApi(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        Hsts(context);
    }

    /// <summary>
    /// HSTS on an https request (a browser ignores it over http, so it is sent only where it means something).
    /// </summary>
    public static void Hsts(HttpContext context)
    {
        if (Scheme(context.Request) == Uri.UriSchemeHttps)
            context.Response.Headers.StrictTransportSecurity = StrictTransportSecurity;
    }

    /// <summary>
    /// The scheme the browser used: https when the connection is TLS or the front end that ended TLS says so
    /// (X-Forwarded-Proto: App Service and the Functions host pass the request on over plain http), else the request's.
    /// </summary>
    public static string Scheme(HttpRequest request)
    {
        if (request.IsHttps) return Uri.UriSchemeHttps;
        var forwarded = request.Headers["X-Forwarded-Proto"].ToString().Split(',')[0].Trim();
        return string.Equals(forwarded, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase)
            ? Uri.UriSchemeHttps : request.Scheme;
    }
}
