using AutoResponder.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>
/// Absolute links to console pages, built from <c>AutoResponder:PublicBaseUrl</c> (infra sets it to the app's URL).
/// Teams cards and manager e-mails use them; unset, there is no absolute address to give, and they leave the links out.
/// </summary>
public sealed class ConsoleLinks(IOptions<AutoResponderOptions> options)
{
    private readonly string? _base = Normalize(options.Value.PublicBaseUrl);

    public bool Enabled => _base is not null;

    /// <summary>The incident page, or null without a public base URL.</summary>
    public string? Incident(string id, string? section = null) =>
        _base is null ? null : $"{_base}{ConsoleRoutes.Incident(id)}{(section is null ? "" : "#" + section)}";

    private static string? Normalize(string? url) => string.IsNullOrWhiteSpace(url) ? null : url.Trim().TrimEnd('/');

    /// <summary>An absolute https URL (http only for loopback), without query or fragment; null when valid.</summary>
    public static string? Problem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttps && u.Scheme != Uri.UriSchemeHttp))
            return $"must be an absolute http(s) URL such as https://incidents.shop.example (is '{url}').";
        if (u.Scheme == Uri.UriSchemeHttp && !u.IsLoopback)
            return $"must use https unless it is a loopback address (is '{url}').";
        if (u.Query.Length > 0 || u.Fragment.Length > 0 || u.UserInfo.Length > 0)
            return $"must not carry a query, fragment or user name (is '{url}').";
        return null;
    }
}
