using Microsoft.AspNetCore.Http;

namespace AutoResponder.Access;

/// <summary>
/// One way a person proves who they are. Sources are asked in registration order; the first that recognises
/// the request's credentials answers. A host adds its own (the console's session cookie) with
/// <c>services.AddSingleton&lt;ICallerSource, MySource&gt;()</c>. A source must never trust a header a client
/// can set on its own.
/// </summary>
public interface ICallerSource
{
    /// <summary>
    /// The person, or null when this source does not recognise (or does not accept) the request's credentials.
    /// </summary>
    Task<Caller?> ResolveAsync(HttpRequest request, CancellationToken ct);
}

/// <summary>Resolves the <see cref="Caller"/> of a request from the registered <see cref="ICallerSource"/>s.</summary>
public sealed class CallerResolver(IEnumerable<ICallerSource> sources)
{
    public async Task<Caller?> ResolveAsync(HttpRequest request, CancellationToken ct)
    {
        foreach (var source in sources)
            if (await source.ResolveAsync(request, ct) is { } caller) return caller;
        return null;
    }

    /// <summary>The bearer token of the Authorization header, if any.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim() : null;
    }
}

/// <summary><c>Authorization: Bearer arp_…</c>: a personal access token (<see cref="PersonalAccessTokens"/>).</summary>
internal sealed class PersonalAccessTokenSource(PersonalAccessTokens tokens) : ICallerSource
{
    public async Task<Caller?> ResolveAsync(HttpRequest request, CancellationToken ct) =>
        CallerResolver.BearerToken(request) is { } token
            && token.StartsWith(PersonalAccessTokens.Prefix, StringComparison.Ordinal)
            ? await tokens.ValidateAsync(token, ct)
            : null;
}
