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
/// audience (<see cref="EntraOptions.Audience"/>) and lifetime. People's roles are the token's app roles
/// ("roles" claim: viewer, responder, ops, admin). Principal headers such as X-MS-CLIENT-PRINCIPAL are never read.
/// </summary>
public sealed class EntraTokenSource : ICallerSource
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
        _metadata = metadata ?? new ConfigurationManager<OpenIdConnectConfiguration>(
            $"{_options.Instance.TrimEnd('/')}/{_options.TenantId}/v2.0/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = true });
    }

    public async Task<Caller?> ResolveAsync(HttpRequest request, CancellationToken ct)
    {
        if (!_options.Enabled) return null;
        var token = CallerResolver.BearerToken(request);
        if (token is null || token.StartsWith(PersonalAccessTokens.Prefix, StringComparison.Ordinal) || token.Count(c => c == '.') != 2) return null;

        var configuration = await _metadata.GetConfigurationAsync(ct);
        var instance = _options.Instance.TrimEnd('/');
        var parameters = new TokenValidationParameters
        {
            ValidIssuers = [$"{instance}/{_options.TenantId}/v2.0", $"https://sts.windows.net/{_options.TenantId}/"],
            ValidAudiences = [_options.Audience!],
            IssuerSigningKeys = configuration.SigningKeys,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
            LifetimeValidator = (notBefore, expires, _, p) =>
            {
                var now = _time.GetUtcNow().UtcDateTime;
                return (notBefore is null || notBefore.Value - p.ClockSkew <= now) && expires is { } e && now <= e + p.ClockSkew;
            },
        };
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            _log.LogInformation("Entra ID token refused: {Reason}", result.Exception?.Message);
            return null;
        }
        var identity = result.ClaimsIdentity;
        var name = First(identity, "preferred_username", "upn", "email", "name", "oid", "sub");
        if (name is null) return null;
        var roles = identity.FindAll("roles").Select(c => Roles.Normalize(c.Value)).OfType<string>().Distinct().ToList();
        return new Caller(name, roles, "entra");
    }

    private static string? First(ClaimsIdentity identity, params string[] types) =>
        types.Select(t => identity.FindFirst(t)?.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
