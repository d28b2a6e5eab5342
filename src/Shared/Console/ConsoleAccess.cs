using System.Security.Cryptography;
using System.Text;
using AutoResponder.Access;
using AutoResponder.Hosting;
using AutoResponder.Impact;
using AutoResponder.Incidents.Api;
using AutoResponder.Routes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>What a person may do on the console.</summary>
public enum ConsoleRight { Read, Act, Export }

/// <summary>
/// The signed-in person as the console sees them: the <see cref="Caller"/> (whose name the timeline records) and
/// what their roles let them do — exactly what the API's routes let them do: each right is the access declared on
/// the API route that does the same thing, as its feature declares it.
/// </summary>
/// <param name="TokenExpiresSoonAt">When the token this person signed in with expires, if that is within two weeks: the
/// page warns.</param>
public sealed record ConsoleUser(Caller Caller, DateTimeOffset? TokenExpiresSoonAt = null)
{
    public string Name => Caller.Name;

    public bool May(ConsoleRight right) => AccessOf(right).Allows(Caller);

    /// <summary>
    /// Reading pages: as reading an incident; acting: as acknowledging one; exports (customer data): as downloading
    /// one.
    /// </summary>
    public static RouteAccess AccessOf(ConsoleRight right) => right switch
    {
        ConsoleRight.Act => Declared(IncidentRoutes.All, IncidentRoutes.AcknowledgeIncident),
        ConsoleRight.Export => Declared(ImpactRoutes.All, ImpactRoutes.DownloadImpactExport),
        _ => Declared(IncidentRoutes.All, IncidentRoutes.GetIncident),
    };

    /// <summary>
    /// The access declared on the feature's route (its feature declares it once; the console reads it there).
    /// </summary>
    private static RouteAccess Declared(IReadOnlyList<ApiRoute> routes, string operationId)
        => routes.Single(r => r.OperationId == operationId).Access;
}

/// <summary>
/// How a request proves its forms are the console's own. A cookie session: the form must come from this origin
/// (Origin / Sec-Fetch-Site) and carry the session's anti-forgery token (<see cref="Csrf"/>, placed in every form).
/// A bearer token (scripts, the bench): <see cref="Csrf"/> is null — a browser never attaches an Authorization
/// header on its own, so a cross-site form cannot carry one — and only the origin check applies.
/// </summary>
public sealed record ConsoleSession(string? Csrf, string? PublicOrigin = null)
{
    public static ConsoleSession Bearer { get; } = new((string?)null);

    public bool Accepts(HttpRequest request, IFormCollection form)
        => SameOrigin(request, PublicOrigin) && HoldsToken(form);

    /// <summary>The form carries this session's anti-forgery token (always true for a bearer token).</summary>
    public bool HoldsToken(IFormCollection form)
    {
        if (Csrf is null) return true;
        var given = form[ConsolePages.CsrfField].ToString();
        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given),
            Encoding.UTF8.GetBytes(Csrf));
    }

    /// <summary>
    /// Did this form come from the console's own pages? A browser says so in Sec-Fetch-Site (it cannot be set by a
    /// page): only "same-origin" passes. Without that header (older browsers, non-browser clients), an Origin header
    /// must name this origin (scheme, host and port) or <paramref name="publicOrigin"/> (the Function app's worker may
    /// see a different Host than the browser used); a request naming neither is left to the anti-forgery token.
    /// </summary>
    public static bool SameOrigin(HttpRequest request, string? publicOrigin)
        => ForeignOrigin.Of(request, publicOrigin) is null;
}

/// <summary>
/// Why a form is not from the console's own pages (<see cref="ConsoleSession.SameOrigin"/>), told so that the person
/// on the page and the operator know what to fix. <see cref="Fixable"/>: the browser named a page origin
/// (<see cref="PageOrigin"/>) that is neither the origin this host sees (<see cref="HostOrigin"/>) nor
/// <c>AutoResponder:PublicBaseUrl</c>'s (<see cref="PublicOrigin"/>) — behind a proxy or another host name, the setting
/// must name the address people use. Otherwise the browser itself said the form came from another site.
/// </summary>
public sealed record ForeignOrigin(string PageOrigin, string HostOrigin, string? PublicOrigin, bool Fixable)
{
    /// <summary>The setting that names the address people use (App Service / environment: AutoResponder__PublicBaseUrl).</summary>
    public const string Setting = AutoResponderOptions.Section + ":" + nameof(AutoResponderOptions.PublicBaseUrl);

    /// <summary>Null when the form came from this console's origin; else why not.</summary>
    public static ForeignOrigin? Of(HttpRequest request, string? publicOrigin)
    {
        var host = $"{AutoResponder.Http.SecurityHeaders.Scheme(request)}://{request.Host.Value}";
        var origin = request.Headers.Origin.ToString();
        var shown = origin.Length == 0 ? "another site" : origin.Length > 200 ? origin[..200] + "…" : origin;
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        // The browser's own word (a page cannot set it): only "same-origin" passes.
        if (site.Length > 0)
            return site == "same-origin" ? null : new ForeignOrigin(shown, host, publicOrigin, Fixable: false);
        // Without it (older browsers, non-browser clients): an Origin must name this origin or PublicBaseUrl's; a request
        // naming none is left to the anti-forgery token.
        if (origin.Length == 0) return null;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var o))
            return new ForeignOrigin(shown, host, publicOrigin, Fixable: false);
        // Scheme, host and port: http://host is not the origin of https://host (a network attacker can serve the
        // first).
        var same = (string.Equals(o.Scheme, AutoResponder.Http.SecurityHeaders.Scheme(request),
                StringComparison.OrdinalIgnoreCase)
                && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
            || (publicOrigin is not null
                && string.Equals(o.GetLeftPart(UriPartial.Authority), publicOrigin,
                StringComparison.OrdinalIgnoreCase));
        return same ? null : new ForeignOrigin(o.GetLeftPart(UriPartial.Authority), host, publicOrigin, Fixable: true);
    }

    /// <summary>The console's address as configured: PublicBaseUrl's origin, else the one this host sees.</summary>
    public string ConsoleOrigin => PublicOrigin ?? HostOrigin;

    /// <summary>For the page: what happened and what to do.</summary>
    public string ForPerson => Fixable
        ? $"Nothing was changed: this page's origin {PageOrigin} is not this console's origin {ConsoleOrigin}" +
            (PublicOrigin is null ? $" ({Setting} is not set)" : "") + ". " +
            $"If {PageOrigin} is the address people use to reach the console, the operator must set {Setting} to it " +
            $"(e.g. {PageOrigin}) and restart; until then, its forms work only when it is opened at {ConsoleOrigin}."
        : $"Nothing was changed: this form was sent from {PageOrigin}, not from a page of this console " +
            $"({ConsoleOrigin}). Open the console at its own address and try again.";

    /// <summary>For the log: the setting to check.</summary>
    public string ForOperator => Fixable
        ? $"A console form from the page origin {PageOrigin} was refused: this host sees its origin as {HostOrigin} and " +
            $"{Setting} is {(PublicOrigin is null ? "not set" : $"{PublicOrigin}")}. If people reach the console at " +
            $"{PageOrigin} (a proxy or another host name), set {Setting} (environment AutoResponder__PublicBaseUrl) to " +
            "that address; otherwise another site posted the form."
        : $"A console form from another site ({PageOrigin}) was refused (the browser said so, or named no usable " +
            $"origin); the console is at {ConsoleOrigin}.";
}

/// <summary>
/// The sign-in form's own anti-forgery token (there is no session yet to hold one): a random value the sign-in page
/// places both in the form and in a cookie (HttpOnly, SameSite=Strict, path /sign-in); a post must carry both, equal.
/// Another site can neither read the page nor set the cookie, so it cannot post a sign-in form this browser accepts.
/// </summary>
internal static class SignInFormToken
{
    public const string CookieName = "arp_sign_in";

    public static string New() => ConsoleSessions.Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The token this browser already holds, if any (so two open sign-in tabs both work).</summary>
    public static string? Of(HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var value) && value is { Length: >= 40 and <= 64 } ? value : null;

    public static bool Matches(HttpRequest request, IFormCollection form)
    {
        var given = form[ConsolePages.CsrfField].ToString();
        return Of(request) is { } held && given.Length > 0
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(held));
    }
}

/// <summary>Settings under "AutoResponder:Console". Validated at start-up.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "AutoResponder:Console";

    /// <summary>
    /// How long a console sign-in lasts, in hours (1 to 168; default 12). Then the person signs in again.
    /// </summary>
    public int SessionHours { get; set; } = 12;
}

internal sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions o) =>
        o.SessionHours is >= 1 and <= 168
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ConsoleOptions.Section}:SessionHours must be between 1 and 168 (is " +
                $"{o.SessionHours}).");
}

/// <summary>
/// Who is asking, in one call every page and form makes: the person of the console session cookie, else of an
/// Authorization header (a personal access token, or an Entra ID token in Azure). Nobody else gets in: there is no
/// anonymous or loopback shortcut, in either host.
/// </summary>
public sealed class ConsoleAccess(ConsoleSessions sessions, CallerResolver callers,
    IOptions<AutoResponderOptions> options)
{
    /// <summary>
    /// "https://incidents.shop.example" of AutoResponder:PublicBaseUrl, if set: forms may come from there.
    /// </summary>
    public string? PublicOrigin { get; } =
        Uri.TryCreate(options.Value.PublicBaseUrl?.Trim(), UriKind.Absolute, out var u)
            ? u.GetLeftPart(UriPartial.Authority) : null;

    public async Task<(ConsoleUser? User, ConsoleSession Session)> CallerAsync(HttpRequest request,
        CancellationToken ct)
    {
        if (ConsoleSessions.CookieOf(request) is { } cookie && await sessions.FindAsync(cookie, ct) is { } session)
            return (new ConsoleUser(session.Caller, session.TokenExpiresSoonAt),
                new ConsoleSession(session.Csrf, PublicOrigin));
        if (request.Headers.Authorization.Count > 0
            && await callers.ResolveAsync(request, ct) is { IsPerson: true } caller)
            return (new ConsoleUser(caller), ConsoleSession.Bearer with { PublicOrigin = PublicOrigin });
        return (null, ConsoleSession.Bearer);
    }
}
