using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Hosting;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AutoResponder.WebConsole;

/// <summary>
/// A used "Sign in with Microsoft" attempt (table "ConsoleSessions", partition <c>entra-used-{SHA-256 of state}</c>):
/// written only after a valid id token came back, so a replay of the same response is refused. Nothing is stored when a
/// sign-in starts. The hourly session sweep deletes it after <see cref="ExpiresAt"/>.
/// </summary>
internal sealed class EntraSignInUsedRecord : ITableEntity
{
    public const string PartitionPrefix = "entra-used-";
    public const string Row = "entra-sign-in";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>What the callback came to: a person with roles, or the reason they are not signed in.</summary>
public sealed record EntraSignInOutcome(string? Name, IReadOnlyList<string> Roles, string ReturnUrl, string? Refusal)
{
    public static EntraSignInOutcome Refused(string reason, string returnUrl = ConsoleRoutes.List)
        => new(null, [], returnUrl, reason);
}

/// <summary>
/// "Sign in with Microsoft" for the console, without a client secret: the OpenID Connect implicit flow for an id token
/// only (<c>response_type=id_token</c>, <c>response_mode=form_post</c>). Flex Consumption has no App Service
/// authentication, so the app does it itself:
/// <list type="number">
/// <item><see cref="Start"/>: nothing is stored. A random correlation cookie is set on this browser (256 bits,
/// HttpOnly, only sent to /sign-in/entra) and is the key of the attempt: the state is the return path and expiry,
/// signed with HMAC-SHA-256 under that cookie, and the nonce is derived from the cookie and the state. So an anonymous
/// GET costs no storage, and a callback carrying someone else's state is refused (login CSRF): this browser lacks their
/// cookie, so neither the state's signature nor the id token's nonce can match.</item>
/// <item><see cref="CompleteAsync"/>: the cookie must sign the state, the state must be at most 10 minutes old, and the
/// id token is validated: signature by the tenant's keys (the same metadata the API's <see cref="EntraTokenSource"/>
/// uses), issuer = the tenant's v2 authority, audience = <see cref="EntraOptions.ClientId"/>, lifetime by the injected
/// clock, nonce = the one derived for this state. Then the attempt is marked used (<see cref="EntraSignInUsedRecord"/>;
/// a replay finds the mark and is refused). Roles come from the "roles" claim.</item>
/// </list>
/// </summary>
public sealed class EntraSignIn(
    ConsoleSessions sessions,
    IConfigurationManager<OpenIdConnectConfiguration> metadata,
    IOptions<AccessOptions> access,
    IOptions<AutoResponderOptions> options,
    TimeProvider time,
    ILogger<EntraSignIn> log)
{
    /// <summary>
    /// The correlation cookie: sent on the cross-site form post from Entra ID, so SameSite=None (and Secure).
    /// </summary>
    public const string CorrelationCookie = "arp_entra";
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private EntraOptions Entra => access.Value.Entra;

    public bool Enabled => Entra.ConsoleSignInEnabled;

    /// <summary>
    /// Where Entra ID posts the id token back: this app's /sign-in/entra (PublicBaseUrl when set, else the request's
    /// origin).
    /// </summary>
    public string RedirectUri(HttpRequest request)
    {
        var origin = Uri.TryCreate(options.Value.PublicBaseUrl?.Trim(), UriKind.Absolute, out var u)
            ? u.GetLeftPart(UriPartial.Authority)
            : $"{request.Scheme}://{request.Host.Value}";
        return origin + ConsoleRoutes.SignInEntra;
    }

    /// <summary>
    /// A new sign-in attempt: the Entra ID authorize URL to send the browser to, and the correlation cookie value to
    /// set on it. Stores nothing.
    /// </summary>
    public (string AuthorizeUrl, string Correlation, DateTimeOffset ExpiresAt) Start(HttpRequest request,
        string returnUrl)
    {
        var correlation = Random();
        var expiresAt = time.GetUtcNow() + StateLifetime;
        var payload = ConsoleSessions.Base64Url(
            JsonSerializer.SerializeToUtf8Bytes(new StatePayload(ConsoleRoutes.LocalOrList(returnUrl),
            expiresAt.ToUnixTimeSeconds())));
        var state = $"{payload}.{Mac(correlation, "state", payload)}";
        var query = string.Join('&', new (string Name, string Value)[]
        {
            ("client_id", Entra.ClientId!),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("scope", "openid profile"),
            ("redirect_uri", RedirectUri(request)),
            ("state", state),
            ("nonce", Mac(correlation, "nonce", payload)),
        }.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        return ($"{Entra.Instance.TrimEnd('/')}/{Entra.TenantId}/oauth2/v2.0/authorize?{query}", correlation,
            expiresAt);
    }

    /// <summary>What the state carries: where to go back to, and until when (Unix seconds) it may be used.</summary>
    private sealed record StatePayload(string R, long E);

    /// <summary>
    /// The form Entra ID posted back (id_token and state, or error): the person it vouches for, or why not. Only a
    /// valid id token for this browser's attempt writes anything (the mark that the attempt is used).
    /// </summary>
    public async Task<EntraSignInOutcome> CompleteAsync(IFormCollection form, string? correlation, CancellationToken ct)
    {
        var state = form["state"].ToString();
        if (state.Length is 0 or > 2000 || state.Split('.') is not [var payload, var mac])
            return EntraSignInOutcome.Refused(
                "The sign-in response from Microsoft carried no sign-in attempt. Start again.");
        if (correlation is null || !FixedEquals(Mac(correlation, "state", payload), mac))
            return EntraSignInOutcome.Refused("This sign-in was not started in this browser (or its cookies are " +
                "blocked). Start again.");
        StatePayload? attempt;
        try { attempt = JsonSerializer.Deserialize<StatePayload>(Base64UrlDecode(payload)); }
        catch (Exception e) when (e is JsonException or FormatException) { attempt = null; }
        if (attempt is null) return EntraSignInOutcome.Refused("The sign-in response from Microsoft carried no " +
            "sign-in attempt. Start again.");
        var returnUrl = ConsoleRoutes.LocalOrList(attempt.R);
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(attempt.E);
        if (expiresAt <= time.GetUtcNow())
            return EntraSignInOutcome.Refused("This sign-in attempt took longer than 10 minutes. Start again.",
                returnUrl);

        if (form["error"].ToString() is { Length: > 0 } error)
        {
            log.LogInformation("Entra ID sign-in ended with {Error}: {Description}", error,
                form["error_description"].ToString());
            return EntraSignInOutcome.Refused($"Microsoft sign-in did not complete ({Truncate(error, 80)}).",
                returnUrl);
        }

        var idToken = form["id_token"].ToString();
        if (idToken.Length is 0 or > 16_000 || idToken.Count(c => c == '.') != 2)
            return EntraSignInOutcome.Refused("The sign-in response from Microsoft carried no id token. Start again.",
                returnUrl);

        var configuration = await metadata.GetConfigurationAsync(ct);
        var result = await _handler.ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = Entra.V2Issuer,
            ValidAudience = Entra.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
            LifetimeValidator = EntraTokenSource.LifetimeBy(time),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
        if (!result.IsValid)
        {
            log.LogInformation("Entra ID id token refused at console sign-in: {Reason}", result.Exception?.Message);
            return EntraSignInOutcome.Refused("Microsoft's sign-in response could not be verified. Start again.",
                returnUrl);
        }
        var identity = result.ClaimsIdentity;
        if (identity.FindFirst("nonce")?.Value is not { Length: > 0 } nonce
            || !FixedEquals(nonce, Mac(correlation, "nonce", payload)))
        {
            log.LogInformation(
                "Entra ID id token refused at console sign-in: nonce does not match the sign-in attempt");
            return EntraSignInOutcome.Refused(
                "Microsoft's sign-in response does not belong to this sign-in attempt. Start again.", returnUrl);
        }
        if (EntraTokenSource.NameOf(identity) is not { } name)
            return EntraSignInOutcome.Refused("Microsoft's sign-in response names nobody. Start again.", returnUrl);

        // Single use: the first completion that signs someone in marks the attempt; a replay (or a lost race) finds the
        // mark. Without a role nobody is signed in, so nothing is written.
        var roles = EntraTokenSource.RolesOf(identity);
        if (roles.Count == 0) return new EntraSignInOutcome(name, roles, returnUrl, null);
        try
        {
            await sessions.Table.AddEntityAsync(new EntraSignInUsedRecord
            {
                PartitionKey = EntraSignInUsedRecord.PartitionPrefix + Hash(state),
                ExpiresAt = expiresAt,
            }, ct);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return EntraSignInOutcome.Refused("This sign-in attempt was already used. Start again.", returnUrl);
        }
        return new EntraSignInOutcome(name, roles, returnUrl, null);
    }

    /// <summary>HMAC-SHA-256 under the correlation cookie, of "{purpose}|{payload}", base64url.</summary>
    private static string Mac(string correlation, string purpose, string payload) =>
        ConsoleSessions.Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(correlation),
            Encoding.UTF8.GetBytes($"{purpose}|{payload}")));

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }

    private static string Random() => ConsoleSessions.Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Hash(string value) => ConsoleSessions.Hash(value);

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
