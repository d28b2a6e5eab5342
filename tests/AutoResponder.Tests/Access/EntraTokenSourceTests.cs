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

    /// <summary>An access token for the API as Entra issues one (delegated: scp and azp), unless <paramref name="claims"/> says otherwise (null removes a claim).</summary>
    private string Token(string? audience = null, SecurityKey? key = null, string? issuer = null, TimeSpan? age = null,
        Dictionary<string, object?>? claims = null, string algorithm = SecurityAlgorithms.RsaSha256, params string[] roles)
    {
        var issued = _time.GetUtcNow().UtcDateTime - (age ?? TimeSpan.Zero);
        var all = new Dictionary<string, object>
        {
            ["preferred_username"] = "alice@shop.example",
            ["roles"] = roles,
            ["scp"] = "access_as_user",
            ["azp"] = "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        };
        foreach (var (name, value) in claims ?? []) { if (value is null) all.Remove(name); else all[name] = value; }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? $"https://login.microsoftonline.com/{Tenant}/v2.0",
            Audience = audience ?? Audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued.AddHours(1),
            Claims = all,
            SigningCredentials = new SigningCredentials(key ?? TenantKey, algorithm),
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
    public async Task Only_RS256_access_tokens_for_the_API_are_accepted_never_an_id_token()
    {
        var source = Source();
        // The console's sign-in id token: same tenant, key and roles, audience = the API (its client id), a nonce, no scope.
        var idToken = Token(claims: new() { ["nonce"] = "n-123", ["scp"] = null, ["azp"] = null }, roles: ["admin"]);
        Assert.Null(await source.ResolveAsync(WithBearer(idToken), default));
        Assert.Null(await source.ResolveAsync(WithBearer(Token(claims: new() { ["nonce"] = "n-123" }, roles: ["admin"])), default));
        Assert.Null(await source.ResolveAsync(WithBearer(Token(claims: new() { ["at_hash"] = "x" }, roles: ["admin"])), default));
        // No client it was issued to, or neither a scope nor an app role: not an access token for this API.
        Assert.Null(await source.ResolveAsync(WithBearer(Token(claims: new() { ["azp"] = null }, roles: ["admin"])), default));
        Assert.Null(await source.ResolveAsync(WithBearer(Token(claims: new() { ["scp"] = null, ["roles"] = null })), default));
        // Signed by the tenant's key, but not with RS256.
        Assert.Null(await source.ResolveAsync(WithBearer(Token(algorithm: SecurityAlgorithms.RsaSha384, roles: ["admin"])), default));

        // A delegated access token (scp), a v1 one (appid) and an app-only one (roles, idtyp app) are accepted.
        Assert.NotNull(await source.ResolveAsync(WithBearer(Token(roles: ["admin"])), default));
        Assert.NotNull(await source.ResolveAsync(WithBearer(Token(claims: new() { ["azp"] = null, ["appid"] = "cli" }, roles: ["viewer"])), default));
        var app = await source.ResolveAsync(WithBearer(Token(claims: new() { ["scp"] = null, ["idtyp"] = "app", ["preferred_username"] = null, ["oid"] = "daemon-oid" }, roles: ["storefront"])), default);
        Assert.Equal(("daemon-oid", Roles.Storefront), (app!.Name, Assert.Single(app.Roles)));
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
