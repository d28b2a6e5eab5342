using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Web;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.WebConsole;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AutoResponder.Tests.WebConsole;

/// <summary>
/// "Sign in with Microsoft" over real HTTP (standalone host, Azurite). The tenant is a key made here: its signing key is
/// the OpenID Connect metadata the host is given (in Azure, fetched from the tenant), and the test plays Entra ID by
/// signing id tokens with it and posting them back as Entra's form_post does (a cross-site form).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EntraSignInOverHttpTests(AzuriteFixture azurite)
{
    private const string Tenant = "11111111-2222-3333-4444-555555555555";
    private const string ClientId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    private const string Authority = "https://login.microsoftonline.com";
    private static readonly RsaSecurityKey TenantKey = new(RSA.Create(2048)) { KeyId = "tenant-key" };

    private static Task<RunningHost> StartAsync(AzuriteFixture azurite, TimeProvider time, bool configured = true)
    {
        var configuration = new OpenIdConnectConfiguration();
        configuration.SigningKeys.Add(TenantKey);
        string[] settings = configured
            ? [$"AutoResponder:Access:Entra:TenantId={Tenant}", "AutoResponder:Access:Entra:Audience=api://autoresponder", $"AutoResponder:Access:Entra:ClientId={ClientId}"]
            : [];
        return RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton<IConfigurationManager<OpenIdConnectConfiguration>>(new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration));
        }, settings);
    }

    /// <summary>A browser: keeps cookies, does not follow redirects.</summary>
    private sealed class Browser(RunningHost host) : IDisposable
    {
        public CookieContainer Cookies { get; } = new();
        private HttpClient? _http;
        public HttpClient Http => _http ??= new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        public string? Cookie(string name) => Cookies.GetCookies(host.BaseAddress)[name]?.Value;

        public void Dispose() => _http?.Dispose();
    }

    private sealed record Attempt(HttpResponseMessage Response, Uri Authorize, Dictionary<string, string> Query, string Correlation, string SetCookie);

    /// <summary>GET /sign-in/entra as the "Sign in with Microsoft" button does.</summary>
    private static async Task<Attempt> StartAsync(RunningHost host, Browser browser, string returnUrl = "/incidents")
    {
        var response = await browser.Http.GetAsync($"/sign-in/entra?returnUrl={Uri.EscapeDataString(returnUrl)}");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var authorize = response.Headers.Location!;
        var parsed = HttpUtility.ParseQueryString(authorize.Query);
        var query = parsed.AllKeys.ToDictionary(k => k!, k => parsed[k]!);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(EntraSignIn.CorrelationCookie + "=", StringComparison.Ordinal));
        var correlation = setCookie[(EntraSignIn.CorrelationCookie.Length + 1)..setCookie.IndexOf(';')];
        // The cookie is Secure (SameSite=None needs it); a browser sends it to http://localhost, .NET's container does not: set it as the browser would.
        browser.Cookies.Add(new Cookie(EntraSignIn.CorrelationCookie, correlation, ConsoleRoutes.SignInEntra, host.BaseAddress.Host));
        return new Attempt(response, authorize, query, correlation, setCookie);
    }

    /// <summary>Entra ID's form post back: a cross-site POST from login.microsoftonline.com.</summary>
    private static Task<HttpResponseMessage> PostBackAsync(Browser browser, params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, ConsoleRoutes.SignInEntra) { Content = new FormUrlEncodedContent(fields.ToDictionary(f => f.Name, f => f.Value)) };
        request.Headers.Add("Origin", Authority);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        return browser.Http.SendAsync(request);
    }

    private static string IdToken(TimeProvider time, string nonce, string? audience = null, TimeSpan? age = null, string name = "alice@shop.example", params string[] roles)
    {
        var issued = time.GetUtcNow().UtcDateTime - (age ?? TimeSpan.Zero);
        var claims = new Dictionary<string, object> { ["preferred_username"] = name, ["name"] = "Alice", ["nonce"] = nonce };
        if (roles.Length > 0) claims["roles"] = roles;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = $"{Authority}/{Tenant}/v2.0",
            Audience = audience ?? ClientId,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued.AddHours(1),
            Claims = claims,
            SigningCredentials = new SigningCredentials(TenantKey, SecurityAlgorithms.RsaSha256),
        });
    }

    private static async Task<List<TableEntity>> RowsAsync(RunningHost host)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in host.Services.GetRequiredService<ConsoleSessions>().Table.QueryAsync<TableEntity>()) rows.Add(row);
        return rows;
    }

    private static async Task<int> SessionsAsync(RunningHost host) => (await RowsAsync(host)).Count(r => r.RowKey == "session");

    [Fact]
    public async Task Signing_in_with_Microsoft_starts_a_session_with_the_persons_name_and_roles_and_they_act_under_that_name()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await StartAsync(azurite, time);
        var id = await ConsoleBrowserTests.PostAlertAsync(host, "Checkout down", "Sev2", "checkout");
        using var browser = new Browser(host);

        var signInPage = await (await browser.Http.GetAsync($"/sign-in?returnUrl={Uri.EscapeDataString($"/incidents/{id}")}")).Content.ReadAsStringAsync();
        Assert.Contains($"href=\"/sign-in/entra?returnUrl={Uri.EscapeDataString($"/incidents/{id}")}\"", signInPage.Replace("&amp;", "&"));

        var attempt = await StartAsync(host, browser, $"/incidents/{id}");
        Assert.Equal($"{Authority}/{Tenant}/oauth2/v2.0/authorize", attempt.Authorize.GetLeftPart(UriPartial.Path));
        Assert.Equal(ClientId, attempt.Query["client_id"]);
        Assert.Equal("id_token", attempt.Query["response_type"]);
        Assert.Equal("form_post", attempt.Query["response_mode"]);
        Assert.Equal("openid profile", attempt.Query["scope"]);
        Assert.Equal(new Uri(host.BaseAddress, "/sign-in/entra").ToString(), attempt.Query["redirect_uri"]);
        Assert.True(attempt.Query["state"].Length >= 40 && attempt.Query["nonce"].Length >= 40 && attempt.Query["state"] != attempt.Query["nonce"]);
        Assert.Contains("samesite=none", attempt.SetCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", attempt.SetCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", attempt.SetCookie, StringComparison.OrdinalIgnoreCase);
        // Starting stores nothing (the state is signed under the correlation cookie); later rows hold hashes only.
        Assert.Empty(await RowsAsync(host));
        var stored = string.Join("|", (await RowsAsync(host)).SelectMany(r => r.Select(p => $"{p.Key}={p.Value}")));
        Assert.DoesNotContain(attempt.Query["state"], stored);
        Assert.DoesNotContain(attempt.Query["nonce"], stored);
        Assert.DoesNotContain(attempt.Correlation, stored);

        var back = await PostBackAsync(browser, ("id_token", IdToken(time, attempt.Query["nonce"], roles: ["Responder"])), ("state", attempt.Query["state"]));
        var html = await back.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Contains($"url=/incidents/{id}\"", html);
        var sessionCookie = back.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("samesite=strict", sessionCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", sessionCookie, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(browser.Cookie(ConsoleSessions.CookieName));
        var rows = await RowsAsync(host);
        Assert.Equal(2, rows.Count); // the session, and the mark that this attempt is used
        var session = Assert.Single(rows, r => r.RowKey == "session");
        Assert.StartsWith(EntraSignInUsedRecord.PartitionPrefix, Assert.Single(rows, r => r.RowKey == EntraSignInUsedRecord.Row).PartitionKey);
        Assert.True(session.GetDateTimeOffset("ExpiresAt") <= time.GetUtcNow().AddHours(ConsoleSessions.EntraSessionCapHours));

        var page = await browser.Http.GetAsync($"/incidents/{id}");
        var incident = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("alice@shop.example", incident);
        Assert.Contains($"action=\"/incidents/{id}/acknowledge\"", incident);
        var csrf = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(incident, "name=\"_csrf\" value=\"([^\"]+)\"").Groups[1].Value);

        var ack = new HttpRequestMessage(HttpMethod.Post, $"/incidents/{id}/acknowledge") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["_csrf"] = csrf, ["owner"] = "alice" }) };
        ack.Headers.Add("Origin", host.BaseAddress.GetLeftPart(UriPartial.Authority));
        ack.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.Http.SendAsync(ack)).StatusCode);
        var timeline = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline"))!["timeline"]!.AsArray();
        Assert.Contains(timeline, t => (string?)t!["kind"] == "acknowledged" && (string?)t["actor"] == "alice@shop.example");

        // A viewer signed in the same way sees no action buttons.
        using var viewer = new Browser(host);
        var viewerAttempt = await StartAsync(host, viewer, $"/incidents/{id}");
        Assert.Equal(HttpStatusCode.OK, (await PostBackAsync(viewer, ("id_token", IdToken(time, viewerAttempt.Query["nonce"], name: "manager@shop.example", roles: ["viewer"])), ("state", viewerAttempt.Query["state"]))).StatusCode);
        var viewerPage = await (await viewer.Http.GetAsync($"/incidents/{id}")).Content.ReadAsStringAsync();
        Assert.Contains("manager@shop.example", viewerPage);
        foreach (var action in ConsoleEndpoint.Actions)
            Assert.DoesNotContain($"action=\"/incidents/{id}/{action}\"", viewerPage);

        // Signing out ends an Entra session like any other: its row is gone, the cookie no longer works.
        Assert.Equal(2, await SessionsAsync(host));
        var signOut = new HttpRequestMessage(HttpMethod.Post, "/sign-out") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["_csrf"] = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(viewerPage, "name=\"_csrf\" value=\"([^\"]+)\"").Groups[1].Value) }) };
        signOut.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.SeeOther, (await viewer.Http.SendAsync(signOut)).StatusCode);
        Assert.Equal(1, await SessionsAsync(host));
        Assert.Equal(HttpStatusCode.SeeOther, (await viewer.Http.GetAsync($"/incidents/{id}")).StatusCode);

        // The session ends at the cap even when SessionHours is longer.
        time.Advance(TimeSpan.FromHours(ConsoleSessions.EntraSessionCapHours) + TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.Http.GetAsync($"/incidents/{id}")).StatusCode);
    }

    [Fact]
    public async Task Replays_wrong_nonce_audience_or_lifetime_missing_or_foreign_cookie_and_errors_are_refused_and_store_nothing()
    {
        // A fixed date long past: tokens are checked by the injected clock, not the machine's.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await StartAsync(azurite, time);

        async Task Refused(Browser browser, HttpResponseMessage response, string because)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("role=\"alert\"", html);
            Assert.Contains("id=\"sign-in-microsoft\"", html); // the sign-in page again
            Assert.Null(browser.Cookie(ConsoleSessions.CookieName));
            Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(ConsoleSessions.CookieName + "=", StringComparison.Ordinal)), because);
        }

        using (var browser = new Browser(host))
        {
            var a = await StartAsync(host, browser);
            await Refused(browser, await PostBackAsync(browser, ("id_token", IdToken(time, "some-other-nonce", roles: ["admin"])), ("state", a.Query["state"])), "wrong nonce");
            Assert.Empty(await RowsAsync(host)); // the attempt is consumed, nothing else stored
        }
        using (var browser = new Browser(host))
        {
            var a = await StartAsync(host, browser);
            await Refused(browser, await PostBackAsync(browser, ("id_token", IdToken(time, a.Query["nonce"], audience: "api://someone-else", roles: ["admin"])), ("state", a.Query["state"])), "wrong audience");
        }
        using (var browser = new Browser(host))
        {
            var a = await StartAsync(host, browser);
            await Refused(browser, await PostBackAsync(browser, ("id_token", IdToken(time, a.Query["nonce"], age: TimeSpan.FromMinutes(65), roles: ["admin"])), ("state", a.Query["state"])), "expired token");
        }
        using (var browser = new Browser(host))
        {
            var a = await StartAsync(host, browser);
            time.Advance(EntraSignIn.StateLifetime + TimeSpan.FromSeconds(1));
            await Refused(browser, await PostBackAsync(browser, ("id_token", IdToken(time, a.Query["nonce"], roles: ["admin"])), ("state", a.Query["state"])), "attempt older than 10 minutes");
        }
        using (var browser = new Browser(host))
        {
            var a = await StartAsync(host, browser);
            browser.Cookies.GetCookies(new Uri(host.BaseAddress, ConsoleRoutes.SignInEntra))[EntraSignIn.CorrelationCookie]!.Expired = true;
            await Refused(browser, await PostBackAsync(browser, ("id_token", IdToken(time, a.Query["nonce"], roles: ["admin"])), ("state", a.Query["state"])), "no correlation cookie");
        }
        using (var victim = new Browser(host))
        using (var attacker = new Browser(host))
        {
            // Login CSRF: the attacker's own completed sign-in, posted into the victim's browser (which has its own cookie).
            await StartAsync(host, victim);
            var a = await StartAsync(host, attacker);
            await Refused(victim, await PostBackAsync(victim, ("id_token", IdToken(time, a.Query["nonce"], name: "attacker@evil.example", roles: ["admin"])), ("state", a.Query["state"])), "someone else's attempt");
        }
        using (var browser = new Browser(host))
        {
            var a = await StartAsync(host, browser);
            var response = await PostBackAsync(browser, ("error", "access_denied"), ("error_description", "AADSTS50105: not assigned"), ("state", a.Query["state"]));
            await Refused(browser, response, "Entra said no");
            Assert.Contains("access_denied", await response.Content.ReadAsStringAsync());
            await Refused(browser, await PostBackAsync(browser, ("id_token", "not-a-token")), "no state at all");
        }
        Assert.Equal(0, await SessionsAsync(host));

        // Replay: a used attempt does not sign in twice. (Valid by the fake clock, long expired by the machine's.)
        using (var browser = new Browser(host))
        {
            var a = await StartAsync(host, browser);
            var form = new[] { ("id_token", IdToken(time, a.Query["nonce"], roles: ["admin"])), ("state", a.Query["state"]) };
            Assert.Equal(HttpStatusCode.OK, (await PostBackAsync(browser, form)).StatusCode);
            browser.Cookies.Add(new Cookie(EntraSignIn.CorrelationCookie, a.Correlation, ConsoleRoutes.SignInEntra, host.BaseAddress.Host));
            var replay = await PostBackAsync(browser, form);
            Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
            Assert.Contains("already used", await replay.Content.ReadAsStringAsync());
            Assert.Equal(1, await SessionsAsync(host));
        }
    }

    [Fact]
    public async Task Anonymous_sign_in_starts_store_nothing_and_a_tampered_state_is_refused()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await StartAsync(azurite, time);
        using var browser = new Browser(host);
        Attempt? last = null;
        for (var i = 0; i < 25; i++) last = await StartAsync(host, browser, $"/incidents/INC-{i}");
        Assert.Empty(await RowsAsync(host)); // no row per anonymous GET /sign-in/entra

        // The state names its return path and expiry, signed under this browser's cookie: changing either is refused.
        var state = last!.Query["state"];
        var payload = state.Split('.')[0];
        var forged = payload[..^2] + (payload[^2] == 'A' ? "BB" : "AA") + "." + state.Split('.')[1];
        var response = await PostBackAsync(browser, ("id_token", IdToken(time, last.Query["nonce"], roles: ["admin"])), ("state", forged));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(browser.Cookie(ConsoleSessions.CookieName));
        Assert.Empty(await RowsAsync(host));

        // The genuine one still works (the refusal cleared the cookie; the browser still has it here, as in the replay test).
        browser.Cookies.Add(new Cookie(EntraSignIn.CorrelationCookie, last.Correlation, ConsoleRoutes.SignInEntra, host.BaseAddress.Host));
        Assert.Equal(HttpStatusCode.OK, (await PostBackAsync(browser, ("id_token", IdToken(time, last.Query["nonce"], roles: ["admin"])), ("state", state))).StatusCode);
        Assert.Equal(1, await SessionsAsync(host));
    }

    [Fact]
    public async Task A_person_without_an_app_role_is_told_so_and_gets_no_session()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await StartAsync(azurite, time);
        using var browser = new Browser(host);
        var a = await StartAsync(host, browser);

        var response = await PostBackAsync(browser, ("id_token", IdToken(time, a.Query["nonce"], name: "bob@shop.example", roles: ["not-ours"])), ("state", a.Query["state"]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("bob@shop.example", html);
        Assert.Contains("no AutoResponder role", html);
        Assert.Null(browser.Cookie(ConsoleSessions.CookieName));
        Assert.Empty(await RowsAsync(host));
    }

    [Theory]
    [InlineData("https://evil.example/x")]
    [InlineData("//evil.example/x")]
    public async Task An_off_site_return_url_is_replaced_by_the_list(string returnUrl)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await StartAsync(azurite, time);
        using var browser = new Browser(host);
        var a = await StartAsync(host, browser, returnUrl);

        var response = await PostBackAsync(browser, ("id_token", IdToken(time, a.Query["nonce"], roles: ["viewer"])), ("state", a.Query["state"]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("url=/incidents\"", html);
        Assert.DoesNotContain("evil.example", html);
    }

    [Fact]
    public async Task Without_a_client_id_the_console_offers_tokens_only()
    {
        await using var host = await StartAsync(azurite, TimeProvider.System, configured: false);
        using var browser = new Browser(host);

        Assert.DoesNotContain("Sign in with Microsoft", await browser.Http.GetStringAsync("/sign-in"));
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Http.GetAsync("/sign-in/entra")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostBackAsync(browser, ("id_token", "x.y.z"), ("state", "s"))).StatusCode);
        Assert.Empty(await RowsAsync(host));
    }
}
