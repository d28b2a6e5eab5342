using System.Security.Cryptography;
using AutoResponder.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AutoResponder.Tests.Access;

/// <summary>
/// Entra ID tokens as the Function app validates them: the tenant's signing keys are a fixed set here (in Azure
/// they come from the tenant's published metadata), everything else is the production code path.
/// </summary>
public sealed class EntraTokenSourceTests
{
    private const string Tenant = "11111111-2222-3333-4444-555555555555";
    private const string Audience = "api://autoresponder";
    private static readonly RsaSecurityKey TenantKey = new(RSA.Create(2048)) { KeyId = "tenant-key" };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));

    private EntraTokenSource Source()
    {
        var configuration = new OpenIdConnectConfiguration();
        configuration.SigningKeys.Add(TenantKey);
        var options = Options.Create(new AccessOptions { Entra = new EntraOptions { TenantId = Tenant, Audience = Audience } });
        return new EntraTokenSource(options, _time, NullLogger<EntraTokenSource>.Instance, new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration));
    }

    private string Token(string? audience = null, SecurityKey? key = null, string? issuer = null, TimeSpan? age = null, params string[] roles)
    {
        var issued = _time.GetUtcNow().UtcDateTime - (age ?? TimeSpan.Zero);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? $"https://login.microsoftonline.com/{Tenant}/v2.0",
            Audience = audience ?? Audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued.AddHours(1),
            Claims = new Dictionary<string, object> { ["preferred_username"] = "alice@shop.example", ["roles"] = roles },
            SigningCredentials = new SigningCredentials(key ?? TenantKey, SecurityAlgorithms.RsaSha256),
        });
    }

    private static HttpRequest WithBearer(string token)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = $"Bearer {token}";
        return context.Request;
    }

    [Fact]
    public async Task A_valid_token_names_the_person_and_carries_their_app_roles()
    {
        var caller = await Source().ResolveAsync(WithBearer(Token(roles: ["Responder", "ops", "unknown-role"])), default);

        Assert.NotNull(caller);
        Assert.Equal("alice@shop.example", caller.Name);
        Assert.Equal([Roles.Responder, Roles.Ops], caller.Roles);
        Assert.Equal("entra", caller.SignedInWith);
    }

    [Fact]
    public async Task Tokens_for_another_audience_tenant_or_key_or_expired_ones_are_refused()
    {
        var source = Source();
        var otherKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "tenant-key" };

        Assert.Null(await source.ResolveAsync(WithBearer(Token(audience: "api://someone-else", roles: ["admin"])), default));
        Assert.Null(await source.ResolveAsync(WithBearer(Token(issuer: "https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/v2.0", roles: ["admin"])), default));
        Assert.Null(await source.ResolveAsync(WithBearer(Token(key: otherKey, roles: ["admin"])), default));
        Assert.Null(await source.ResolveAsync(WithBearer(Token(age: TimeSpan.FromHours(2), roles: ["admin"])), default));
        Assert.NotNull(await source.ResolveAsync(WithBearer(Token(age: TimeSpan.FromMinutes(30), roles: ["admin"])), default));
    }

    [Fact]
    public async Task Without_settings_it_accepts_nothing_and_it_never_reads_principal_headers()
    {
        var off = new EntraTokenSource(Options.Create(new AccessOptions()), _time, NullLogger<EntraTokenSource>.Instance,
            new StaticConfigurationManager<OpenIdConnectConfiguration>(new OpenIdConnectConfiguration()));
        Assert.Null(await off.ResolveAsync(WithBearer(Token(roles: ["admin"])), default));

        var context = new DefaultHttpContext();
        context.Request.Headers["X-MS-CLIENT-PRINCIPAL-NAME"] = "ceo@shop.example";
        context.Request.Headers["X-MS-CLIENT-PRINCIPAL"] = Convert.ToBase64String("""{"claims":[{"typ":"roles","val":"admin"}]}"""u8.ToArray());
        Assert.Null(await Source().ResolveAsync(context.Request, default));
    }
}
