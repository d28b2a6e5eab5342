using System.Security.Cryptography;
using System.Text;
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
/// A "Sign in with Microsoft" attempt waiting for Entra ID to post back (table "ConsoleSessions", its own partition
/// <c>entra-state-{SHA-256 of state}</c>). Holds hashes only: the nonce the id token must carry and the correlation
/// cookie of the browser that started it. Lives 10 minutes, is used once; the hourly session sweep deletes leftovers.
/// </summary>
public sealed class EntraSignInStateRecord : ITableEntity
{
    public const string PartitionPrefix = "entra-state-";
    public const string Row = "entra-sign-in";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>Hex SHA-256 of the nonce sent to Entra ID.</summary>
    public string NonceHash { get; set; } = "";
    /// <summary>Hex SHA-256 of the correlation cookie set on the browser that started the sign-in.</summary>
    public string BrowserHash { get; set; } = "";
    /// <summary>The local path to return to (already checked by <see cref="ConsoleRoutes.LocalOrList"/>).</summary>
    public string ReturnUrl { get; set; } = ConsoleRoutes.List;
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>What the callback came to: a person with roles, or the reason they are not signed in.</summary>
public sealed record EntraSignInOutcome(string? Name, IReadOnlyList<string> Roles, string ReturnUrl, string? Refusal)
{
    public static EntraSignInOutcome Refused(string reason, string returnUrl = ConsoleRoutes.List) => new(null, [], returnUrl, reason);
}

/// <summary>
/// "Sign in with Microsoft" for the console, without a client secret: the OpenID Connect implicit flow for an id token
/// only (<c>response_type=id_token</c>, <c>response_mode=form_post</c>). Flex Consumption has no App Service
/// authentication, so the app does it itself:
/// <list type="number">
/// <item><see cref="StartAsync"/>: a random state and nonce; the state row stores the nonce's hash, the return path and
/// the hash of a correlation cookie set on this browser (login CSRF: a callback carrying someone else's state is refused
/// because this browser lacks their cookie).</item>
/// <item><see cref="CompleteAsync"/>: the state row is deleted (single use; a lost delete race refuses), the cookie must
/// match, and the id token is validated: signature by the tenant's keys (the same metadata the API's
/// <see cref="EntraTokenSource"/> uses), issuer = the tenant's v2 authority, audience = <see cref="EntraOptions.ClientId"/>,
/// lifetime by the injected clock, nonce = the stored one. Roles come from the "roles" claim.</item>
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
    /// <summary>The correlation cookie: sent on the cross-site form post from Entra ID, so SameSite=None (and Secure).</summary>
    public const string CorrelationCookie = "arp_entra";
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private EntraOptions Entra => access.Value.Entra;

    public bool Enabled => Entra.ConsoleSignInEnabled;

    /// <summary>Where Entra ID posts the id token back: this app's /sign-in/entra (PublicBaseUrl when set, else the request's origin).</summary>
    public string RedirectUri(HttpRequest request)
    {
        var origin = Uri.TryCreate(options.Value.PublicBaseUrl?.Trim(), UriKind.Absolute, out var u)
            ? u.GetLeftPart(UriPartial.Authority)
            : $"{request.Scheme}://{request.Host.Value}";
        return origin + ConsoleRoutes.SignInEntra;
    }

    /// <summary>Stores a new sign-in attempt: the Entra ID authorize URL to send the browser to, and the correlation cookie value to set on it.</summary>
    public async Task<(string AuthorizeUrl, string Correlation, DateTimeOffset ExpiresAt)> StartAsync(HttpRequest request, string returnUrl, CancellationToken ct)
    {
        var state = Random();
        var nonce = Random();
        var correlation = Random();
        var expiresAt = time.GetUtcNow() + StateLifetime;
        await sessions.Table.AddEntityAsync(new EntraSignInStateRecord
        {
            PartitionKey = EntraSignInStateRecord.PartitionPrefix + Hash(state),
            NonceHash = Hash(nonce),
            BrowserHash = Hash(correlation),
            ReturnUrl = ConsoleRoutes.LocalOrList(returnUrl),
            ExpiresAt = expiresAt,
        }, ct);
        var query = string.Join('&', new (string Name, string Value)[]
        {
            ("client_id", Entra.ClientId!),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("scope", "openid profile"),
            ("redirect_uri", RedirectUri(request)),
            ("state", state),
            ("nonce", nonce),
        }.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        return ($"{Entra.Instance.TrimEnd('/')}/{Entra.TenantId}/oauth2/v2.0/authorize?{query}", correlation, expiresAt);
    }

    /// <summary>
    /// The form Entra ID posted back (id_token and state, or error): the person it vouches for, or why not. Nothing is
    /// stored here; the state row is consumed whatever the outcome.
    /// </summary>
    public async Task<EntraSignInOutcome> CompleteAsync(IFormCollection form, string? correlation, CancellationToken ct)
    {
        var state = form["state"].ToString();
        if (state.Length is 0 or > 200) return EntraSignInOutcome.Refused("The sign-in response from Microsoft carried no sign-in attempt. Start again.");

        // Single use: read and delete with its ETag; whoever loses a race (a replay) finds nothing.
        var partition = EntraSignInStateRecord.PartitionPrefix + Hash(state);
        var found = await sessions.Table.GetEntityIfExistsAsync<EntraSignInStateRecord>(partition, EntraSignInStateRecord.Row, cancellationToken: ct);
        if (!found.HasValue || found.Value is not { } attempt)
            return EntraSignInOutcome.Refused("This sign-in attempt was already used or is unknown. Start again.");
        try { await sessions.Table.DeleteEntityAsync(partition, EntraSignInStateRecord.Row, attempt.ETag, ct); }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return EntraSignInOutcome.Refused("This sign-in attempt was already used. Start again.");
        }
        var returnUrl = ConsoleRoutes.LocalOrList(attempt.ReturnUrl);
        if (attempt.ExpiresAt <= time.GetUtcNow())
            return EntraSignInOutcome.Refused("This sign-in attempt took longer than 10 minutes. Start again.", returnUrl);
        if (correlation is null || !FixedEquals(Hash(correlation), attempt.BrowserHash))
            return EntraSignInOutcome.Refused("This sign-in was not started in this browser (or its cookies are blocked). Start again.", returnUrl);

        if (form["error"].ToString() is { Length: > 0 } error)
        {
            log.LogInformation("Entra ID sign-in ended with {Error}: {Description}", error, form["error_description"].ToString());
            return EntraSignInOutcome.Refused($"Microsoft sign-in did not complete ({Truncate(error, 80)}).", returnUrl);
        }

        var idToken = form["id_token"].ToString();
        if (idToken.Length is 0 or > 16_000 || idToken.Count(c => c == '.') != 2)
            return EntraSignInOutcome.Refused("The sign-in response from Microsoft carried no id token. Start again.", returnUrl);

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
        });
        if (!result.IsValid)
        {
            log.LogInformation("Entra ID id token refused at console sign-in: {Reason}", result.Exception?.Message);
            return EntraSignInOutcome.Refused("Microsoft's sign-in response could not be verified. Start again.", returnUrl);
        }
        var identity = result.ClaimsIdentity;
        if (identity.FindFirst("nonce")?.Value is not { Length: > 0 } nonce || !FixedEquals(Hash(nonce), attempt.NonceHash))
        {
            log.LogInformation("Entra ID id token refused at console sign-in: nonce does not match the sign-in attempt");
            return EntraSignInOutcome.Refused("Microsoft's sign-in response does not belong to this sign-in attempt. Start again.", returnUrl);
        }
        if (EntraTokenSource.NameOf(identity) is not { } name)
            return EntraSignInOutcome.Refused("Microsoft's sign-in response names nobody. Start again.", returnUrl);
        return new EntraSignInOutcome(name, EntraTokenSource.RolesOf(identity), returnUrl, null);
    }

    private static string Random() => ConsoleSessions.Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Hash(string value) => ConsoleSessions.Hash(value);

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
