using System.Globalization;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Api;
using AutoResponder.Links;

namespace AutoResponder.WebConsole;

/// <summary>
/// The console's paths, in one place: both hosts map them (Functions: src/Functions/Console; standalone:
/// StandaloneHost).
/// </summary>
public static class ConsoleRoutes
{
    public const string List = "/incidents";
    public const string Rows = "/console/rows";
    public const string MyActionItems = "/action-items";
    /// <summary>Who is on call now and for the next 14 days, per schedule.</summary>
    public const string OnCall = "/oncall";
    public const string SignIn = "/sign-in";
    public const string SignOut = "/sign-out";
    /// <summary>"Sign in with Microsoft": GET starts it, POST is where Entra ID posts the id token back.</summary>
    public const string SignInEntra = "/sign-in/entra";

    /// <summary>"Sign in with Microsoft", coming back to <paramref name="returnUrl"/> afterwards.</summary>
    public static string SignInEntraAt(string returnUrl)
        => $"{SignInEntra}?returnUrl={Uri.EscapeDataString(LocalOrList(returnUrl))}";

    public static string Incident(string id) => ConsolePaths.Incident(id);
    public static string Action(string id, string action) => $"/incidents/{Uri.EscapeDataString(id)}/{action}";
    public static string Asset(string name) => $"/console/assets/{name}";

    /// <summary>The sign-in page, coming back to <paramref name="returnUrl"/> afterwards.</summary>
    public static string SignInAt(string returnUrl)
        => $"{SignIn}?returnUrl={Uri.EscapeDataString(LocalOrList(returnUrl))}";

    /// <summary>
    /// <paramref name="url"/> when it is a path on this site ("/incidents/INC-1?x=y"), else the list: a sign-in link
    /// can never send a person on to another site (no "//host", "/\host", scheme or control characters).
    /// </summary>
    public static string LocalOrList(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > 2000 || url[0] != '/') return List;
        if (url.Length > 1 && url[1] is '/' or '\\') return List;
        if (url.Any(c => char.IsControl(c) || c == '\\')) return List;
        if (url.StartsWith(SignIn, StringComparison.OrdinalIgnoreCase)
            || url.StartsWith(SignOut, StringComparison.OrdinalIgnoreCase)) return List;
        return url;
    }

    /// <summary>
    /// The list's query string for these filters and cursor (empty parts left out), starting with "?" when there is
    /// one.
    /// </summary>
    public static string Query(IncidentFilter filter, string? cursor)
    {
        var parts = new List<string>();
        if (filter.Statuses.Count > 0)
            parts.Add("status=" + string.Join(',', filter.Statuses.Order().Select(s => s.ToApi())));
        if (filter.Severities.Count > 0) parts.Add("severity=" + string.Join(',', filter.Severities.Order()));
        if (!string.IsNullOrEmpty(filter.Service)) parts.Add("service=" + Uri.EscapeDataString(filter.Service));
        if (filter.Since is { } since)
            parts.Add("since=" + Uri.EscapeDataString(since.ToString("yyyy-MM-ddTHH:mm:ssZ",
            CultureInfo.InvariantCulture)));
        if (cursor is not null) parts.Add("cursor=" + Uri.EscapeDataString(cursor));
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
