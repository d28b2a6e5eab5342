using System.Text;
using System.Text.RegularExpressions;
using AutoResponder.Access;
using AutoResponder.Incidents;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.WebConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using FunctionsConsole = AutoResponder.Functions.WebConsole.ConsolePages;

namespace AutoResponder.Tests.WebConsole;

/// <summary>
/// The Function app's console classes (the Functions runtime cannot run here; the classes can): sign in with a token,
/// then the session cookie opens the pages and, with the anti-forgery token, the forms — as in the standalone host.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class FunctionsConsoleTests(AzuriteFixture azurite)
{
    private const string Site = "https://func-api-x.azurewebsites.net";

    private static HttpRequest Request(IServiceProvider services, string method, string path, string? cookie, string? form = null)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("func-api-x.azurewebsites.net");
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();
        if (cookie is not null) context.Request.Headers.Cookie = $"{ConsoleSessions.CookieName}={cookie}";
        if (form is not null)
        {
            context.Request.ContentType = "application/x-www-form-urlencoded";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(form));
            context.Request.Headers.Origin = Site;
            context.Request.Headers["Sec-Fetch-Site"] = "same-origin";
        }
        return context.Request;
    }

    /// <summary>Runs a Function's answer as the worker would, returning the response.</summary>
    private static async Task<HttpResponse> Execute(HttpRequest request, IActionResult result)
    {
        await result.ExecuteResultAsync(new ActionContext { HttpContext = request.HttpContext });
        return request.HttpContext.Response;
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfInput();

    [Fact]
    public async Task Sign_in_sets_a_secure_session_cookie_that_opens_pages_and_forms_with_the_sessions_token()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:PublicBaseUrl"] = Site });
        var token = (await app.Get<PersonalAccessTokens>().CreateAsync("alice@shop.example", [Roles.Responder], default)).Token;
        var id = (await app.Get<AutoResponder.Intake.AlertIngestor>().IngestAsync(
            [AutoResponder.Tests.Intake.AlertIngestorTests.Alert("checkout-down", app.Time.GetUtcNow())], default))[0].IncidentId!;
        var functions = new FunctionsConsole(app.Get<ConsoleEndpoint>());

        var anonymous = Request(app.Services, "GET", $"/incidents/{id}", null);
        var redirected = await Execute(anonymous, await functions.Incident(anonymous, id, default));
        Assert.Equal(303, redirected.StatusCode);
        Assert.StartsWith("/sign-in?returnUrl=", redirected.Headers.Location.ToString());

        // The sign-in page: its anti-forgery token in the form and in a cookie; the post carries both. Over https: HSTS.
        var signInPageRequest = Request(app.Services, "GET", "/sign-in", null);
        var signInPage = await Execute(signInPageRequest, functions.SignInPage(signInPageRequest));
        Assert.Equal(AutoResponder.Http.SecurityHeaders.StrictTransportSecurity, signInPage.Headers.StrictTransportSecurity.ToString());
        var formCookie = signInPage.Headers.SetCookie.ToString();
        var formToken = formCookie[(SignInFormToken.CookieName.Length + 1)..formCookie.IndexOf(';')];
        var signIn = Request(app.Services, "POST", "/sign-in", null, $"token={Uri.EscapeDataString(token)}&returnUrl=%2Fincidents%2F{id}&_csrf={formToken}");
        signIn.Headers.Cookie = $"{SignInFormToken.CookieName}={formToken}";
        var signedIn = await Execute(signIn, await functions.SignIn(signIn, default));
        Assert.Equal(303, signedIn.StatusCode);
        Assert.Equal($"/incidents/{id}", signedIn.Headers.Location.ToString());
        var setCookie = signedIn.Headers.SetCookie.Single(c => c!.StartsWith(ConsoleSessions.CookieName + "=", StringComparison.Ordinal))!;
        Assert.Contains("secure", setCookie, StringComparison.OrdinalIgnoreCase); // https
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie[(ConsoleSessions.CookieName.Length + 1)..setCookie.IndexOf(';')];

        var pageRequest = Request(app.Services, "GET", $"/incidents/{id}", cookie);
        var page = (HtmlResult)await functions.Incident(pageRequest, id, default);
        Assert.Equal(200, page.StatusCode);
        var csrf = System.Net.WebUtility.HtmlDecode(CsrfInput().Match(page.Body!).Groups[1].Value);

        var forged = Request(app.Services, "POST", $"/incidents/{id}/resolve", cookie, "_csrf=wrong");
        Assert.Equal(403, ((HtmlResult)await functions.Act(forged, id, "resolve", default)).StatusCode);
        Assert.Equal(IncidentStatus.Open, (await app.Get<IncidentStore>().FindAsync(id, default))!.Status);

        var resolve = Request(app.Services, "POST", $"/incidents/{id}/resolve", cookie, $"_csrf={Uri.EscapeDataString(csrf)}");
        Assert.Equal(303, ((HtmlResult)await functions.Act(resolve, id, "resolve", default)).StatusCode);
        var details = await app.Get<IncidentStore>().GetDetailsAsync(id, default);
        Assert.Equal(IncidentStatus.Resolved, details!.Incident.Status);
        Assert.Equal("alice@shop.example", details.Timeline.Single(t => t.Kind == "resolved").Actor);
    }
}
