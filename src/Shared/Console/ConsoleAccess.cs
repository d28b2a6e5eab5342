using System.Security.Cryptography;
using System.Text;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>What a person may do on the console.</summary>
public enum ConsoleRight { Read, Act, Export }

/// <summary>The signed-in person as the console sees them: the name the timeline records, and their rights.</summary>
public sealed record ConsoleUser(string Name, IReadOnlyCollection<ConsoleRight> Rights)
{
    public bool May(ConsoleRight right) => Rights.Contains(right);
}

/// <summary>
/// A console session's protection against cross-site forms: the form must come from this origin (Origin /
/// Sec-Fetch-Site) and carry the session's anti-forgery token (<see cref="Csrf"/>, placed in every form).
/// </summary>
public sealed record ConsoleSession(string? Csrf)
{
    public static ConsoleSession None { get; } = new((string?)null);

    public bool Accepts(HttpRequest request, IFormCollection form)
    {
        if (!SameOrigin(request)) return false;
        if (Csrf is null) return true;
        var given = form[ConsolePages.CsrfField].ToString();
        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(Csrf));
    }

    /// <summary>A browser names where a form came from; anything but this host is refused. A request naming neither is left to the token.</summary>
    public static bool SameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none")) return false;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;
        return Uri.TryCreate(origin, UriKind.Absolute, out var o) && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Console settings a host sets (not configuration): whether a loopback caller is trusted.</summary>
public sealed class ConsoleOptions
{
    /// <summary>
    /// The standalone host sets this: until people sign in to the console, a browser on the same machine (a loopback
    /// connection) may use it. The Function app never does, so in Azure the console refuses everyone for now.
    /// </summary>
    public bool TrustLoopback { get; set; }
}

/// <summary>
/// Who is asking, in one call every page and form makes. Until console sign-in exists this is: a loopback caller of
/// a host that trusts loopback (the standalone host), with every right; anyone else is refused.
/// </summary>
public sealed class ConsoleAccess(IOptions<ConsoleOptions> options)
{
    private static readonly ConsoleUser Local = new("console", [ConsoleRight.Read, ConsoleRight.Act, ConsoleRight.Export]);

    public Task<(ConsoleUser? User, ConsoleSession Session)> CallerAsync(HttpRequest request, CancellationToken ct)
    {
        var ip = request.HttpContext.Connection.RemoteIpAddress;
        var trusted = options.Value.TrustLoopback && ip is not null && IPAddress.IsLoopback(ip);
        return Task.FromResult<(ConsoleUser?, ConsoleSession)>((trusted ? Local : null, ConsoleSession.None));
    }
}
