using AutoResponder.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.Links;

/// <summary>
/// Absolute links to console pages, built from <c>AutoResponder:PublicBaseUrl</c> (infra sets it to the app's URL).
/// Teams cards and manager e-mails use them; unset, there is no absolute address to give, and they leave the links out.
/// </summary>
internal sealed class ConsoleLinks(IOptions<AutoResponderOptions> options)
{
    private readonly string? _base = Normalize(options.Value.PublicBaseUrl);

    public bool Enabled => _base is not null;

    /// <summary>The incident page, or null without a public base URL.</summary>
    public string? Incident(string id, string? section = null) =>
        _base is null ? null : $"{_base}{ConsolePaths.Incident(id)}{(section is null ? "" : "#" + section)}";

    private static string? Normalize(string? url) => string.IsNullOrWhiteSpace(url) ? null : url.Trim().TrimEnd('/');
}
