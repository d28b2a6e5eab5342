using System.Security.Cryptography;
using System.Text;
using AutoResponder.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>What a person may do on the console.</summary>
public enum ConsoleRight { Read, Act, Export }

/// <summary>
/// The signed-in person as the console sees them: the <see cref="Caller"/> (whose name the timeline records) and
/// what their roles let them do — the same roles the API's routes require (<see cref="ApiRoutes"/>).
/// </summary>
public sealed record ConsoleUser(Caller Caller)
{
    public string Name => Caller.Name;

    public bool May(ConsoleRight right) => right switch
    {
        ConsoleRight.Act => Caller.HasAny([Roles.Responder]),
        // Exports hold customer data: operations, and the responders working the incident.
        ConsoleRight.Export => Caller.HasAny([Roles.Ops, Roles.Responder]),
        _ => Caller.HasAny([Roles.Viewer]),
    };
}

/// <summary>
/// How a request proves its forms are the console's own. A cookie session: the form must come from this origin
/// (Origin / Sec-Fetch-Site) and carry the session's anti-forgery token (<see cref="Csrf"/>, placed in every form).
/// A bearer token (scripts, the bench): <see cref="Csrf"/> is null — a browser never attaches an Authorization
/// header on its own, so a cross-site form cannot carry one — and only the origin check applies.
/// </summary>
public sealed record ConsoleSession(string? Csrf)
{
    public static ConsoleSession Bearer { get; } = new((string?)null);

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

/// <summary>Settings under "AutoResponder:Console". Validated at start-up.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "AutoResponder:Console";

    /// <summary>How long a console sign-in lasts, in hours (1 to 168; default 12). Then the person signs in again.</summary>
    public int SessionHours { get; set; } = 12;
}

public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions o) =>
        o.SessionHours is >= 1 and <= 168
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:SessionHours must be between 1 and 168 (is {o.SessionHours}).");
}

/// <summary>
/// Who is asking, in one call every page and form makes: the person of the console session cookie, else of an
/// Authorization header (a personal access token, or an Entra ID token in Azure). Nobody else gets in: there is no
/// anonymous or loopback shortcut, in either host.
/// </summary>
public sealed class ConsoleAccess(ConsoleSessions sessions, CallerResolver callers)
{
    public async Task<(ConsoleUser? User, ConsoleSession Session)> CallerAsync(HttpRequest request, CancellationToken ct)
    {
        if (ConsoleSessions.CookieOf(request) is { } cookie && await sessions.FindAsync(cookie, ct) is { } session)
            return (new ConsoleUser(session.Caller), new ConsoleSession(session.Csrf));
        if (request.Headers.Authorization.Count > 0 && await callers.ResolveAsync(request, ct) is { IsPerson: true } caller)
            return (new ConsoleUser(caller), ConsoleSession.Bearer);
        return (null, ConsoleSession.Bearer);
    }
}
