using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AutoResponder.Access;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.WebConsole;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.WebConsole;

/// <summary>
/// Console sign-in, sessions and forms over real HTTP (standalone host, Azurite): a personal access token starts a
/// server-side session; the cookie is HttpOnly and SameSite=Strict; forms need the session's anti-forgery token and
/// this origin; roles decide what a person may do; revocation, expiry and sign-out end the session.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ConsoleOverHttpTests(AzuriteFixture azurite)
{
    /// <summary>A browser-like client: keeps cookies, does not follow redirects (the test reads them).</summary>
    private sealed class CookieBrowser : IDisposable
    {
        private readonly RunningHost _host;
        public CookieContainer Cookies { get; } = new();
        public HttpClient Client { get; }

        public CookieBrowser(RunningHost host)
        {
            _host = host;
            Client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        }

        /// <summary>
        /// A form post as a browser sends it: Origin and Sec-Fetch-Site name this site, or <paramref name="origin"/> (another
        /// site); an older browser sends no Sec-Fetch-Site (<paramref name="fetchMetadata"/> false).
        /// </summary>
        public Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, string? origin = null, bool fetchMetadata = true)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
            request.Headers.Add("Origin", origin ?? _host.BaseAddress.GetLeftPart(UriPartial.Authority));
            if (fetchMetadata) request.Headers.Add("Sec-Fetch-Site", origin is null ? "same-origin" : "cross-site");
            return Client.SendAsync(request);
        }

        /// <summary>The sign-in form as a person sends it: the page is loaded first (its anti-forgery token, in the form and a cookie), then posted.</summary>
        public async Task<HttpResponseMessage> SignInAsync(Dictionary<string, string> fields, string? origin = null, bool fetchMetadata = true)
        {
            fields[ConsolePages.CsrfField] = await CsrfOf(await Client.GetAsync("/sign-in"));
            return await PostFormAsync("/sign-in", fields, origin, fetchMetadata);
        }

        public void Dispose() => Client.Dispose();
    }

    private static Dictionary<string, string> Form(params (string Name, string Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfInput();

    private static async Task<string> CsrfOf(HttpResponseMessage page)
    {
        var html = await page.Content.ReadAsStringAsync();
        var match = CsrfInput().Match(html);
        Assert.True(match.Success, "the page carries no anti-forgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private static async Task<(CookieBrowser Browser, HttpResponseMessage SignedIn)> SignInAsync(RunningHost host, string name, params string[] roles)
    {
        var token = await host.CreateTokenAsync(name, roles);
        var browser = new CookieBrowser(host);
        var signedIn = await browser.SignInAsync(Form(("token", token), ("returnUrl", "/incidents")));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        return (browser, signedIn);
    }

    private static async Task<string> OpenIncidentAsync(RunningHost host) =>
        await ConsoleBrowserTests.PostAlertAsync(host, "Checkout down", "Sev2", "checkout");

    private static async Task<string> StatusOf(RunningHost host, string id) =>
        (string)JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"))!["status"]!;

    private static async Task<int> SessionRows(RunningHost host)
    {
        var table = host.Services.GetRequiredService<ConsoleSessions>().Table;
        var n = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>()) n++;
        return n;
    }

    [Fact]
    public async Task Without_a_session_a_page_redirects_to_sign_in_and_back_and_the_cookie_is_httponly_strict_and_stored_only_hashed()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await OpenIncidentAsync(host);
        using var browser = new CookieBrowser(host);

        var page = await browser.Client.GetAsync($"/incidents/{id}?tab=x");
        Assert.Equal(HttpStatusCode.SeeOther, page.StatusCode);
        Assert.Equal($"/sign-in?returnUrl={Uri.EscapeDataString($"/incidents/{id}?tab=x")}", page.Headers.Location!.OriginalString);
        // The polled fragment and forms answer 401 (no redirect a script would follow into a page).
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync("/console/rows")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostFormAsync($"/incidents/{id}/resolve", Form())).StatusCode);
        Assert.Equal("open", await StatusOf(host, id));

        var form = await browser.Client.GetAsync(page.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains($"name=\"returnUrl\" value=\"/incidents/{id}?tab=x\"", await form.Content.ReadAsStringAsync());

        var token = await host.CreateTokenAsync("alice@shop.example", Roles.Responder);
        var signedIn = await browser.SignInAsync(Form(("token", token), ("returnUrl", $"/incidents/{id}?tab=x")));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal($"/incidents/{id}?tab=x", signedIn.Headers.Location!.OriginalString);
        var setCookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.StartsWith(ConsoleSessions.CookieName + "=", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain http on loopback

        // The table holds the cookie's hash, never the cookie or the token.
        var cookie = browser.Cookies.GetCookies(host.BaseAddress)[ConsoleSessions.CookieName]!.Value;
        var rows = new List<TableEntity>();
        await foreach (var row in host.Services.GetRequiredService<ConsoleSessions>().Table.QueryAsync<TableEntity>()) rows.Add(row);
        var stored = Assert.Single(rows);
        var everything = string.Join("|", stored.Select(p => $"{p.Key}={p.Value}"));
        Assert.DoesNotContain(cookie, everything);
        Assert.DoesNotContain(token, everything);

        var incident = await browser.Client.GetAsync($"/incidents/{id}");
        Assert.Equal(HttpStatusCode.OK, incident.StatusCode);
        Assert.Contains("alice@shop.example", await incident.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("https://evil.example/x")]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example/x")]
    [InlineData("javascript:alert(1)")]
    [InlineData("")]
    public async Task Sign_in_only_returns_to_a_path_on_this_site(string returnUrl)
    {
        await using var host = await RunningHost.StartAsync(azurite);
        using var browser = new CookieBrowser(host);
        var token = await host.CreateTokenAsync("alice@shop.example", Roles.Viewer);
        var signedIn = await browser.SignInAsync(Form(("token", token), ("returnUrl", returnUrl)));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/incidents", signedIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_bad_token_or_a_cross_site_sign_in_form_signs_nobody_in_and_stores_nothing()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        using var browser = new CookieBrowser(host);
        var token = await host.CreateTokenAsync("alice@shop.example", Roles.Responder);

        var wrong = await browser.SignInAsync(Form(("token", token[..^2] + "xx"), ("returnUrl", "/incidents")));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("not valid", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(Form(("token", "hunter2")))).StatusCode);
        // Another site posting a (its own) valid token: login CSRF.
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SignInAsync(Form(("token", token)), origin: "https://evil.example")).StatusCode);

        Assert.DoesNotContain(wrong.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith(ConsoleSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Empty(browser.Cookies.GetCookies(host.BaseAddress));
        Assert.Equal(0, await SessionRows(host));
    }

    [Fact]
    public async Task The_sign_in_form_needs_its_own_anti_forgery_token_even_from_this_origin()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var token = await host.CreateTokenAsync("attacker@evil.example", Roles.Admin);

        // A form carrying no token, or a token of another browser, signs nobody in — even when the request looks same-origin
        // or (an older browser) names no origin at all.
        using var fresh = new CookieBrowser(host);
        Assert.Equal(HttpStatusCode.Forbidden, (await fresh.PostFormAsync("/sign-in", Form(("token", token)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fresh.Client.PostAsync("/sign-in", new FormUrlEncodedContent(Form(("token", token))))).StatusCode);
        using var other = new CookieBrowser(host);
        var othersToken = await CsrfOf(await other.Client.GetAsync("/sign-in"));
        await fresh.Client.GetAsync("/sign-in"); // fresh holds its own token now; the other browser's does not match it
        Assert.Equal(HttpStatusCode.Forbidden, (await fresh.PostFormAsync("/sign-in", Form(("token", token), (ConsolePages.CsrfField, othersToken)))).StatusCode);
        Assert.Equal(0, await SessionRows(host));

        // The page's token: HttpOnly, SameSite=Strict, only sent to /sign-in; with it the same form signs in.
        var page = await fresh.Client.GetAsync("/sign-in");
        var formCookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(SignInFormToken.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", formCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", formCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/sign-in", formCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.SeeOther, (await fresh.PostFormAsync("/sign-in", Form(("token", token), (ConsolePages.CsrfField, await CsrfOf(page))))).StatusCode);
        Assert.Equal(1, await SessionRows(host));
    }

    [Fact]
    public async Task The_page_warns_a_person_whose_token_expires_within_two_weeks()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var tokens = host.Services.GetRequiredService<PersonalAccessTokens>();
        async Task<string> PageFor(TimeSpan lifetime)
        {
            var token = (await tokens.CreateAsync("alice@shop.example", [Roles.Viewer], default, lifetime)).Token;
            using var browser = new CookieBrowser(host);
            Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(Form(("token", token), ("returnUrl", "/incidents")))).StatusCode);
            return await browser.Client.GetStringAsync("/incidents");
        }

        var soon = await PageFor(TimeSpan.FromDays(5));
        Assert.Contains("id=\"token-expiring\"", soon);
        Assert.Contains("Your access token expires on", soon);
        Assert.DoesNotContain("token-expiring", await PageFor(TimeSpan.FromDays(90)));
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071", false, true)]
    [InlineData("https://127.0.0.1:7071", false, false)]
    [InlineData("https://127.0.0.1:7071", true, true)]
    [InlineData("http://127.0.0.1:7071", true, false)]
    [InlineData("http://127.0.0.1:7072", false, false)]
    public void The_origin_check_compares_the_scheme_too(string origin, bool forwardedHttps, bool accepted)
    {
        // A form from http://host is not from https://host: whoever can serve the plain-http site must not post to the https one.
        var request = new Microsoft.AspNetCore.Http.DefaultHttpContext().Request;
        request.Scheme = "http";
        request.Host = new Microsoft.AspNetCore.Http.HostString("127.0.0.1", 7071);
        request.Headers.Origin = origin;
        if (forwardedHttps) request.Headers["X-Forwarded-Proto"] = "https";
        Assert.Equal(accepted, ConsoleSession.SameOrigin(request, null));
    }

    [Fact]
    public async Task A_form_on_an_incident_another_instance_keeps_changing_answers_503_with_Retry_After_not_500()
    {
        var shared = $"{AutoResponder.Storage.StorageClients.PrefixSetting}=c{Guid.NewGuid():N}"[..(AutoResponder.Storage.StorageClients.PrefixSetting.Length + 12)];
        string[] settings = [shared, "AutoResponder:ConflictRetries=2", "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false"];
        var rival = new AutoResponder.Tests.Incidents.RivalWinsEveryRace();
        await using var a = await RunningHost.StartAsync(azurite, null, services =>
        {
            RunningHost.WithoutBackgroundWork(services);
            services.AddSingleton<IIncidentEffect>(rival);
        }, settings);
        await using var b = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork, settings);
        var id = await OpenIncidentAsync(b);
        var (browser, _) = await SignInAsync(a, "alice@shop.example", Roles.Responder);
        using var _b = browser;
        var csrf = await CsrfOf(await browser.Client.GetAsync($"/incidents/{id}"));

        rival.Rival = b.Services; // from now on instance B changes the incident before every commit of A
        var answer = await browser.PostFormAsync($"/incidents/{id}/status", Form(("_csrf", csrf), ("text", "Rolling back")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.NotNull(answer.Headers.RetryAfter);
        Assert.Contains("try again", await answer.Content.ReadAsStringAsync());
        Assert.Equal(2, rival.Interventions); // A retried until its budget was spent
        var timeline = JsonNode.Parse(await b.Client.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray();
        Assert.DoesNotContain(timeline, t => (string?)t!["text"] is { } text && text.Contains("Rolling back"));
    }

    [Fact]
    public async Task A_status_form_with_an_eta_before_now_shows_why_on_the_page_and_changes_nothing()
    {
        // The browser keeps cookies by the real clock, so the app's clock starts at the real time (and stands still).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            RunningHost.WithoutBackgroundWork(services);
        });
        var opened = await host.Client.PostAsJsonAsync("/api/alerts", new { title = "Checkout down", severity = "Sev2", service = "checkout" });
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        var (browser, _) = await SignInAsync(host, "alice@shop.example", Roles.Responder);
        using var _b = browser;
        var csrf = await CsrfOf(await browser.Client.GetAsync($"/incidents/{id}"));
        var now = time.GetUtcNow();
        var hourAgo = now.AddHours(-1);

        // The form's datetime-local field (minutes, UTC), an hour before the app's clock.
        var answer = await browser.PostFormAsync($"/incidents/{id}/status",
            Form(("_csrf", csrf), ("text", "Rolling back"), ("eta", hourAgo.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture))));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        var html = WebUtility.HtmlDecode(await answer.Content.ReadAsStringAsync());
        Assert.Contains(FormattableString.Invariant(
            $"'eta' must not be in the past: {hourAgo:yyyy-MM-dd HH:mm} UTC is before now ({now:yyyy-MM-dd HH:mm} UTC)"), html);
        Assert.Contains("id=\"status-update\"", html); // the page with its form again
        var incident = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"))!;
        Assert.Null(incident["statusUpdate"]);
        var timeline = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray();
        Assert.DoesNotContain(timeline, t => (string?)t!["text"] is { } text && text.Contains("Rolling back"));

        // An ETA ahead of the clock goes through.
        var later = await browser.PostFormAsync($"/incidents/{id}/status",
            Form(("_csrf", csrf), ("text", "Rolling back"), ("eta", now.AddHours(1).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.SeeOther, later.StatusCode);
    }

    /// <summary>Every log message of the host, as its operator reads them.</summary>
    [Fact]
    public async Task Behind_another_origin_sign_in_and_forms_say_which_origin_and_that_PublicBaseUrl_must_name_it()
    {
        // A proxy at http://localhost:8080 passes requests on to this host with the host's own Host header; the
        // browser (no Sec-Fetch-Site: an older one) names the page's origin.
        const string proxy = "http://localhost:8080";
        var logs = new LogLines();
        await using var host = await RunningHost.StartAsync(azurite, null, services => services.AddSingleton<ILoggerProvider>(logs));
        var here = host.BaseAddress.GetLeftPart(UriPartial.Authority);
        var id = await OpenIncidentAsync(host);
        string[] toFix = [$"this page's origin {proxy} is not this console's origin {here} (AutoResponder:PublicBaseUrl is not set)",
            "the operator must set AutoResponder:PublicBaseUrl to it"];

        using var browser = new CookieBrowser(host);
        var token = await host.CreateTokenAsync("alice@shop.example", Roles.Responder);
        var signIn = await browser.SignInAsync(Form(("token", token), ("returnUrl", "/incidents")), origin: proxy, fetchMetadata: false);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        var page = WebUtility.HtmlDecode(await signIn.Content.ReadAsStringAsync());
        Assert.All(toFix, text => Assert.Contains(text, page));
        Assert.Equal(0, await SessionRows(host));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains($"page origin {proxy} was refused")
            && l.Text.Contains("set AutoResponder:PublicBaseUrl (environment AutoResponder__PublicBaseUrl)"));

        // Signed in from this origin, a form of the incident page posted from the proxy's origin: the same explanation.
        var (signedIn, _) = await SignInAsync(host, "bob@shop.example", Roles.Responder);
        using var _s = signedIn;
        var csrf = await CsrfOf(await signedIn.Client.GetAsync($"/incidents/{id}"));
        var resolve = await signedIn.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", csrf)), origin: proxy, fetchMetadata: false);
        Assert.Equal(HttpStatusCode.Forbidden, resolve.StatusCode);
        page = WebUtility.HtmlDecode(await resolve.Content.ReadAsStringAsync());
        Assert.All(toFix, text => Assert.Contains(text, page));
        Assert.Equal("open", await StatusOf(host, id));

        // Once the setting names that address, forms from it work — and only from it: the check is not weakened.
        await using var named = await RunningHost.StartAsync(azurite, null, $"AutoResponder:PublicBaseUrl={proxy}");
        id = await OpenIncidentAsync(named);
        using var behindProxy = new CookieBrowser(named);
        token = await named.CreateTokenAsync("alice@shop.example", Roles.Responder);
        Assert.Equal(HttpStatusCode.SeeOther, (await behindProxy.SignInAsync(Form(("token", token), ("returnUrl", "/incidents")), origin: proxy, fetchMetadata: false)).StatusCode);
        csrf = await CsrfOf(await behindProxy.Client.GetAsync($"/incidents/{id}"));
        Assert.Equal(HttpStatusCode.Forbidden, (await behindProxy.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", csrf)), origin: "http://localhost:8081", fetchMetadata: false)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await behindProxy.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", csrf)), origin: proxy, fetchMetadata: false)).StatusCode);
        Assert.Equal("resolved", await StatusOf(named, id));
    }

    [Fact]
    public async Task A_form_without_the_sessions_token_with_a_wrong_one_or_from_another_origin_is_403_and_changes_nothing()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await OpenIncidentAsync(host);
        var (browser, _) = await SignInAsync(host, "alice@shop.example", Roles.Responder);
        using var _b = browser;
        var csrf = await CsrfOf(await browser.Client.GetAsync($"/incidents/{id}"));

        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostFormAsync($"/incidents/{id}/resolve", Form())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", csrf[..^3] + "abc")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", csrf)), origin: "https://evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", csrf)), origin: "https://evil.example", fetchMetadata: false)).StatusCode);
        // Another person's session token does not fit this session.
        var (other, _) = await SignInAsync(host, "bob@shop.example", Roles.Responder);
        using var _o = other;
        var othersCsrf = await CsrfOf(await other.Client.GetAsync($"/incidents/{id}"));
        Assert.NotEqual(csrf, othersCsrf);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", othersCsrf)))).StatusCode);
        Assert.Equal("open", await StatusOf(host, id));

        var done = await browser.PostFormAsync($"/incidents/{id}/resolve", Form(("_csrf", csrf)));
        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Equal("resolved", await StatusOf(host, id));
        // The actor is the signed-in person.
        var timeline = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline"))!["timeline"]!.AsArray();
        Assert.Equal("alice@shop.example", (string?)timeline.Single(t => (string?)t!["kind"] == "resolved")!["actor"]);
    }

    [Fact]
    public async Task A_viewer_sees_no_actions_and_a_forced_action_is_403_and_changes_nothing()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await OpenIncidentAsync(host);
        var (viewer, _) = await SignInAsync(host, "manager@shop.example", Roles.Viewer);
        using var _v = viewer;
        var page = await viewer.Client.GetAsync($"/incidents/{id}");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        foreach (var action in ConsoleEndpoint.Actions)
            Assert.DoesNotContain($"action=\"/incidents/{id}/{action}\"", html);
        var csrf = await CsrfOf(page); // the sign-out form's

        foreach (var (action, fields) in new[] { ("acknowledge", Form(("_csrf", csrf), ("owner", "manager"))), ("resolve", Form(("_csrf", csrf))), ("status", Form(("_csrf", csrf), ("text", "x"))) })
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostFormAsync($"/incidents/{id}/{action}", fields)).StatusCode);
        Assert.Equal("open", await StatusOf(host, id));
        var timeline = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline"))!["timeline"]!.AsArray();
        Assert.DoesNotContain(timeline, t => (string?)t!["actor"] == "manager@shop.example");
    }

    [Fact]
    public async Task The_api_takes_the_session_cookie_for_reads_only()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await OpenIncidentAsync(host);
        var (browser, _) = await SignInAsync(host, "alice@shop.example", Roles.Responder);
        using var _b = browser;

        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync($"/api/incidents/{id}")).StatusCode);
        // A change through the API needs an Authorization header, which no cross-site form can send.
        var resolve = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/resolve") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.SendAsync(resolve)).StatusCode);
        Assert.Equal("open", await StatusOf(host, id));
    }

    [Fact]
    public async Task Revoking_the_token_ends_its_sessions_on_the_next_request()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var tokens = host.Services.GetRequiredService<PersonalAccessTokens>();
        var created = await tokens.CreateAsync("alice@shop.example", [Roles.Responder], default);
        using var browser = new CookieBrowser(host);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(Form(("token", created.Token)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/incidents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/api/incidents")).StatusCode);
        var cookieBefore = browser.Cookies.GetCookies(host.BaseAddress).Select(c => $"{c.Name}={c.Value}").ToList();

        await tokens.RevokeAsync(created.Record.Id, default);

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.Client.GetAsync("/incidents")).StatusCode);
        Assert.Null(browser.Cookies.GetCookies(host.BaseAddress)[ConsoleSessions.CookieName]); // the dead cookie is cleared
        Assert.Equal(0, await SessionRows(host));
        using var replay = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        replay.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookieBefore));
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/incidents")).StatusCode);
    }

    [Fact]
    public async Task A_session_expires_after_its_hours_by_the_injected_clock_and_sign_out_ends_it_at_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            RunningHost.WithoutBackgroundWork(services);
        }, "AutoResponder:Console:SessionHours=2");

        var (browser, signedIn) = await SignInAsync(host, "alice@shop.example", Roles.Viewer);
        using var _b = browser;
        Assert.Contains("expires=", signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleSessions.CookieName + "=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);
        time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/incidents")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.Client.GetAsync("/incidents")).StatusCode);

        var (second, _) = await SignInAsync(host, "bob@shop.example", Roles.Viewer);
        using var _s = second;
        var cookie = second.Cookies.GetCookies(host.BaseAddress)[ConsoleSessions.CookieName]!.Value;
        var csrf = await CsrfOf(await second.Client.GetAsync("/incidents"));
        Assert.Equal(HttpStatusCode.Forbidden, (await second.PostFormAsync("/sign-out", Form())).StatusCode); // sign-out is a form too
        var signedOut = await second.PostFormAsync("/sign-out", Form(("_csrf", csrf)));
        Assert.Equal(HttpStatusCode.SeeOther, signedOut.StatusCode);
        Assert.Equal("/sign-in", signedOut.Headers.Location!.OriginalString);
        Assert.Null(second.Cookies.GetCookies(host.BaseAddress)[ConsoleSessions.CookieName]);

        // The old cookie, replayed, opens nothing: the row is gone.
        using var replay = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        replay.DefaultRequestHeaders.Add("Cookie", $"{ConsoleSessions.CookieName}={cookie}");
        Assert.Equal(HttpStatusCode.SeeOther, (await replay.GetAsync("/incidents")).StatusCode);
        Assert.Equal(0, await SessionRows(host));
    }

    [Fact]
    public async Task Refresh_impact_from_the_page_is_the_apis_refresh_with_the_signed_in_person_as_actor()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork,
            "AutoResponder:Impact:Rules:0:Name=everything", "AutoResponder:Impact:Rules:0:Kind=AllOrders", "AutoResponder:Impact:Rules:0:MatchAll=true");
        var id = await OpenIncidentAsync(host);
        await host.Services.GetRequiredService<OutboxRunner>().RunAsync(id, default); // the snapshot taken at opening
        var (browser, _) = await SignInAsync(host, "alice@shop.example", Roles.Responder);
        using var _b = browser;
        var page = await browser.Client.GetAsync($"/incidents/{id}");
        Assert.Contains("Refresh impact", await page.Content.ReadAsStringAsync());
        var csrf = await CsrfOf(page);

        var refreshed = await browser.PostFormAsync($"/incidents/{id}/refresh", Form(("_csrf", csrf)));
        Assert.Equal(HttpStatusCode.SeeOther, refreshed.StatusCode);
        var requested = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline"))!["timeline"]!.AsArray()
            .Where(t => (string?)t!["kind"] == TimelineKinds.ImpactRefreshRequested).ToList();
        Assert.Equal("alice@shop.example", (string?)Assert.Single(requested)!["actor"]);

        // The snapshot has not run yet: a second refresh is refused with the API's reason, on the page, and queues nothing.
        var again = await browser.PostFormAsync($"/incidents/{id}/refresh", Form(("_csrf", csrf)));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already", await again.Content.ReadAsStringAsync());
        Assert.Single(JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline"))!["timeline"]!.AsArray(),
            t => (string?)t!["kind"] == TimelineKinds.ImpactRefreshRequested);
    }

    [Fact]
    public async Task The_page_says_which_rules_apply_and_why_and_its_form_corrects_them_through_the_api()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork,
            "AutoResponder:Impact:Rules:0:Name=checkout-orders", "AutoResponder:Impact:Rules:0:Services:0=checkout",
            "AutoResponder:Impact:Rules:1:Name=price-tampering", "AutoResponder:Impact:Rules:1:Kind=BelowCatalogPrice",
            "AutoResponder:Impact:Rules:1:TitlePatterns:0=below catalog");
        var id = await OpenIncidentAsync(host);                                         // "Checkout down"
        await host.Services.GetRequiredService<OutboxRunner>().RunAsync(id, default);
        var (browser, _) = await SignInAsync(host, "alice@shop.example", Roles.Responder);
        using var _b = browser;
        var page = await browser.Client.GetAsync($"/incidents/{id}");
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("selected by service: service = checkout (alert \"Checkout down\")", html);
        Assert.Contains("Order value at risk", html);
        Assert.Contains("Correct the rules", html);

        // Tick the price rule only: it is chosen, the automatic all-orders rule excluded; the API's correction, alice the actor.
        var corrected = await browser.PostFormAsync($"/incidents/{id}/rules", Form(("_csrf", await CsrfOf(page)), ("rule", "price-tampering")));
        Assert.Equal(HttpStatusCode.SeeOther, corrected.StatusCode);
        var impact = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/impact"))!;
        Assert.Equal(["price-tampering"], impact["rules"]!.AsArray().Select(r => (string?)r));
        Assert.Equal("responder", (string?)impact["applied"]![0]!["selectedBy"]);
        Assert.Equal("checkout-orders", (string?)impact["correction"]!["excluded"]![0]);
        var entry = Assert.Single(JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline"))!["timeline"]!.AsArray(),
            t => (string?)t!["kind"] == TimelineKinds.ImpactRulesCorrected)!;
        Assert.Equal("alice@shop.example", (string?)entry["actor"]);

        // The API route: responders only; an unknown rule is a 422 naming the field.
        var viewer = await host.ClientAs("vera@shop.example", Roles.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/incidents/{id}/impact/rules", new { choose = new[] { "price-tampering" } })).StatusCode);
        var responder = await host.ClientAs("rita@shop.example", Roles.Responder);
        var unknown = await responder.PostAsJsonAsync($"/api/incidents/{id}/impact/rules", new { choose = new[] { "nope" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Equal("choose", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["field"]);
    }

    [Fact]
    public async Task The_sweep_deletes_only_expired_sessions()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:Console:SessionHours"] = "1" });
        var tokens = app.Get<PersonalAccessTokens>();
        var sessions = app.Get<ConsoleSessions>();
        var early = (await sessions.SignInAsync((await tokens.CreateAsync("alice@shop.example", [Roles.Viewer], default)).Token, default))!.Value;
        app.Time.Advance(TimeSpan.FromMinutes(30));
        var late = (await sessions.SignInAsync((await tokens.CreateAsync("bob@shop.example", [Roles.Viewer], default)).Token, default))!.Value;
        app.Time.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(1, await sessions.SweepExpiredAsync(default));
        var left = new List<TableEntity>();
        await foreach (var row in sessions.Table.QueryAsync<TableEntity>()) left.Add(row);
        Assert.Single(left); // the early session's row is gone, the late one stays
        Assert.Null(await sessions.FindAsync(early.Cookie, default));
        Assert.Equal("bob@shop.example", (await sessions.FindAsync(late.Cookie, default))!.Caller.Name);
        Assert.Contains(app.Get<IEnumerable<AutoResponder.Hosting.IScheduledJob>>(), j => j is ConsoleSessionSweep);
    }

    [Fact]
    public void Session_hours_out_of_range_stop_start_up_naming_the_setting()
    {
        var result = new ConsoleOptionsValidator().Validate(null, new ConsoleOptions { SessionHours = 0 });
        Assert.True(result.Failed);
        Assert.Contains("AutoResponder:Console:SessionHours", result.FailureMessage);
    }

    [Fact]
    public async Task The_incident_page_lists_suspects_and_action_items_and_My_action_items_closes_them()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await OpenIncidentAsync(host);
        var (browser, _) = await SignInAsync(host, "alice@shop.example", Roles.Responder);
        using var _b = browser;
        var page = await browser.Client.GetAsync($"/incidents/{id}");
        var csrf = await CsrfOf(page);
        Assert.Contains("Recent changes (suspects)", await page.Content.ReadAsStringAsync());

        var added = await browser.PostFormAsync($"/incidents/{id}/action-item",
            Form(("_csrf", csrf), ("title", "Refuse tampered values"), ("owner", "alice@shop.example"), ("dueAt", "2030-12-01T17:00")));
        Assert.Equal(HttpStatusCode.SeeOther, added.StatusCode);
        var refused = await browser.PostFormAsync($"/incidents/{id}/action-item", Form(("_csrf", csrf), ("title", "x"), ("owner", "alice"), ("dueAt", "2030-12-01T17:00")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);

        var incidentPage = await browser.Client.GetStringAsync($"/incidents/{id}");
        var item = Regex.Match(incidentPage, "data-item=\"([^\"]+)\" data-status=\"open\"><b>Refuse tampered values</b>").Groups[1].Value;
        Assert.NotEmpty(item);
        var mine = await browser.Client.GetStringAsync("/action-items");
        Assert.Contains("Refuse tampered values", mine);
        Assert.Contains(id, mine);

        var done = await browser.PostFormAsync($"/incidents/{id}/action-item-status", Form(("_csrf", csrf), ("item", item), ("status", "done")));
        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Contains($"data-item=\"{item}\" data-status=\"done\"", await browser.Client.GetStringAsync("/action-items"));
        var timeline = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray();
        Assert.Contains(timeline, t => (string)t!["kind"]! == "action-item-status" && ((string)t["text"]!).Contains("done"));
    }
}
