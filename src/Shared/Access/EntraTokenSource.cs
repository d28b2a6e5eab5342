using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AutoResponder.Access;

/// <summary>
/// <c>Authorization: Bearer &lt;Entra ID access token&gt;</c> for the Function app. App Service authentication
/// (Easy Auth) is not offered on the Flex Consumption plan, so the app validates the token itself: signature
/// against the tenant's published keys, issuer (v1 or v2 endpoint of <see cref="EntraOptions.TenantId"/>),
/// audience (<see cref="EntraOptions.Audience"/>) and lifetime, algorithm RS256 only. It must be an access token for
/// this API (<see cref="AccessTokenProblem"/>): a delegated scope ("scp") or app roles ("roles"), issued to a client
/// ("azp"/"appid"), and nothing of an id token ("nonce", "at_hash", "c_hash") — the console's sign-in id token carries
/// the same roles and, when Audience is the client id, the same audience, and must not open the API. People's roles are
/// the token's app roles ("roles" claim: viewer, responder, ops, admin, storefront). Principal headers such as
/// X-MS-CLIENT-PRINCIPAL are never read.
/// </summary>
internal sealed class EntraTokenSource : ICallerSource
{
    private readonly EntraOptions _options;
    private readonly IConfigurationManager<OpenIdConnectConfiguration> _metadata;
    private readonly TimeProvider _time;
    private readonly ILogger<EntraTokenSource> _log;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public EntraTokenSource(IOptions<AccessOptions> options, TimeProvider time, ILogger<EntraTokenSource> log,
        IConfigurationManager<OpenIdConnectConfiguration>? metadata = null)
    {
        _options = options.Value.Entra;
        _time = time;
        _log = log;
        _metadata = metadata ?? TenantMetadata(_options);
    }

    /// <summary>
    /// The tenant's published OpenID Connect metadata (signing keys), fetched and cached: one instance in the
    /// container serves the API's bearer tokens and the console's "Sign in with Microsoft" alike (tests replace it).
    /// </summary>
    public static IConfigurationManager<OpenIdConnectConfiguration> TenantMetadata(EntraOptions options) =>
        new ConfigurationManager<OpenIdConnectConfiguration>(
            $"{options.V2Issuer}/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = true });

    /// <summary>
    /// Lifetime (not before / expires, 2 minutes' skew) checked by the injected clock, not the machine's.
    /// </summary>
    public static LifetimeValidator LifetimeBy(TimeProvider time) => (notBefore, expires, _, p) =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        return (notBefore is null || notBefore.Value - p.ClockSkew <= now) && expires is { } e
            && now <= e + p.ClockSkew;
    };

    /// <summary>
    /// The name a person goes by on the timeline: their sign-in name, else e-mail, display name or object id.
    /// </summary>
    public static string? NameOf(ClaimsIdentity identity)
        => First(identity, "preferred_username", "upn", "email", "name", "oid", "sub");

    /// <summary>Their app roles ("roles" claim) that AutoResponder knows, normalised.</summary>
    public static List<string> RolesOf(ClaimsIdentity identity) =>
        identity.FindAll("roles").Select(c => Roles.Normalize(c.Value)).OfType<string>().Distinct().ToList();

    public async Task<Caller?> ResolveAsync(HttpRequest request, CancellationToken ct)
    {
        if (!_options.Enabled) return null;
        var token = CallerResolver.BearerToken(request);
        if (token is null || token.StartsWith(PersonalAccessTokens.Prefix, StringComparison.Ordinal)
            || token.Count(c => c == '.') != 2) return null;

        var configuration = await _metadata.GetConfigurationAsync(ct);
        var parameters = new TokenValidationParameters
        {
            ValidIssuers = [_options.V2Issuer, $"https://sts.windows.net/{_options.TenantId}/"],
            ValidAudiences = [_options.Audience!],
            IssuerSigningKeys = configuration.SigningKeys,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
            LifetimeValidator = LifetimeBy(_time),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
        };
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            _log.LogInformation("Entra ID token refused: {Reason}", result.Exception?.Message);
            return null;
        }
        var identity = result.ClaimsIdentity;
        if (AccessTokenProblem(identity) is { } problem)
        {
            _log.LogInformation("Entra ID token refused: {Reason}", problem);
            return null;
        }
        if (NameOf(identity) is not { } name) return null;
        return new Caller(name, RolesOf(identity), "entra");
    }

    /// <summary>Why a validly signed token is not an access token for this API, or null when it is one.</summary>
    public static string? AccessTokenProblem(ClaimsIdentity identity)
    {
        if (identity.HasClaim(c => c.Type is "nonce" or "at_hash" or "c_hash"))
            return "an id token (it carries nonce, at_hash or c_hash), not an access token";
        if (identity.FindFirst("idtyp")?.Value is { } idtyp && idtyp is not ("user" or "app"))
            return $"token type '{idtyp}' is not an access token for a user or an app";
        if (First(identity, "azp", "appid") is null)
            return "no client it was issued to (azp or appid): not an access token";
        if (First(identity, "scp") is null && !identity.HasClaim(c => c.Type == "roles"))
            return "neither a delegated scope (scp) nor an app role (roles) for this API";
        return null;
    }

    private static string? First(ClaimsIdentity identity, params string[] types) =>
        types.Select(t => identity.FindFirst(t)?.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
