using System.Net.Http.Json;
using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Impact;
using AutoResponder.Impact.Seeding;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Tests.Impact;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.WebConsole;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AutoResponder.Tests.WebConsole;

/// <summary>
/// The console in a real browser (system Chromium via Playwright) against the standalone host over Azurite:
/// what an on-call engineer does at 3 a.m., on a laptop and on a phone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleBrowserTests(AzuriteFixture azurite, Browser browser)
{
    private static readonly float Timeout = 20_000;

    [Fact]
    public async Task Signing_in_with_a_token_opens_the_list_and_an_alerts_incident_appears_without_a_reload()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var token = await host.CreateTokenAsync("alice@shop.example", Roles.Responder);
        await using var context = await browser.Chromium.NewContextAsync(new() { BaseURL = host.Client.BaseAddress!.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);

        // Not signed in: the list sends the browser to the sign-in page, and back after it.
        await page.GotoAsync("/incidents");
        Assert.EndsWith("/sign-in?returnUrl=%2Fincidents", page.Url);
        await Screenshots.SaveAsync(page, "/sign-in", "console-sign-in.png");
        await page.GetByLabel("Personal access token").FillAsync("arp_0123456789ab_wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Contains("not valid", await page.Locator("p.error").InnerTextAsync());
        await page.GetByLabel("Personal access token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Waits are for what the page shows (Expect retries), never for load events or time.
        await Expect(page.Locator("header .who")).ToContainTextAsync("alice@shop.example");
        Assert.EndsWith("/incidents", page.Url);
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == ConsoleSessions.CookieName);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.cookie.length")); // script cannot read the session

        await page.EvaluateAsync("() => { window.__notReloaded = true; }");
        Assert.Equal(0, await page.Locator("table.incidents tbody tr").CountAsync());

        var id = await PostAlertAsync(host, "Checkout paid below catalog", "Sev1", "checkout");

        var row = page.Locator($"tr[data-id='{id}']");
        await row.WaitForAsync(new() { Timeout = Timeout });
        Assert.Contains("Checkout paid below catalog", await row.InnerTextAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the list reloaded the page instead of updating itself");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByLabel("Personal access token")).ToBeVisibleAsync();
        await page.GotoAsync("/incidents");
        Assert.Contains("/sign-in?returnUrl=", page.Url);
    }

    [Fact]
    public async Task A_responder_acknowledges_posts_a_status_with_an_eta_and_resolves_from_the_page()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await PostAlertAsync(host, "Payments failing", "Sev2", "payments");
        var page = await SignedInPageAsync(host, "bob@shop.example", Roles.Responder);
        await using var context = page.Context;
        await page.GotoAsync($"/incidents/{id}");
        Assert.Equal("Open", await page.Locator("#incident-status").InnerTextAsync());

        await page.GetByLabel("Owner", new() { Exact = true }).FillAsync("alice@shop.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(page.Locator("#incident-status")).ToHaveTextAsync("Acknowledged");
        var acknowledged = page.Locator("#timeline li[data-kind='acknowledged']");
        Assert.Contains("alice@shop.example", await acknowledged.InnerTextAsync());
        Assert.Equal("bob@shop.example", await acknowledged.Locator(".actor").InnerTextAsync()); // the signed-in person acted

        var eta = DateTimeOffset.UtcNow.AddHours(2);
        await page.GetByLabel("Status", new() { Exact = true }).FillAsync("Promo rule applied twice");
        await page.GetByLabel("Next steps").FillAsync("Disable the rule");
        await page.GetByLabel("ETA (UTC)").FillAsync(eta.ToString("yyyy-MM-ddTHH:mm"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Post update" }).ClickAsync();
        await Expect(page.Locator("#timeline li[data-kind='status']")).ToContainTextAsync("Promo rule applied twice");
        var update = await page.Locator("#timeline li[data-kind='status']").InnerTextAsync();
        Assert.Contains("Promo rule applied twice", update);
        Assert.Contains($"ETA: {eta:yyyy-MM-dd HH:mm} UTC", update);
        Assert.Contains($"{eta:yyyy-MM-dd HH:mm} UTC", await page.Locator("#incident-eta").InnerTextAsync());
        await PostAlertAsync(host, "Search latency above 2 s", "Sev3", "search");
        await Screenshots.SaveAsync(page, "/incidents", "console-list.png");
        await Screenshots.SaveAsync(page, $"/incidents/{id}", "console-incident.png");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await Expect(page.Locator("#incident-status")).ToHaveTextAsync("Resolved");
        Assert.Equal("bob@shop.example", await page.Locator("#timeline li[data-kind='resolved'] .actor").InnerTextAsync());

        // What the page did is what the API says.
        using var json = JsonDocument.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"));
        Assert.Equal("resolved", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("alice@shop.example", json.RootElement.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task A_viewer_sees_no_action_buttons_and_a_forced_action_is_403_and_changes_nothing()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await PostAlertAsync(host, "Payments failing", "Sev2", "payments");
        var page = await SignedInPageAsync(host, "manager@shop.example", Roles.Viewer);
        await using var context = page.Context;
        await page.GotoAsync($"/incidents/{id}");
        Assert.Equal("Open", await page.Locator("#incident-status").InnerTextAsync());
        Assert.Equal(0, await page.Locator("main form[method=post]").CountAsync());
        foreach (var name in new[] { "Acknowledge", "Mitigate", "Resolve", "Post update", "Refresh impact" })
            Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = name }).CountAsync());

        // Forcing it anyway, from the page itself with the session's own anti-forgery token (the sign-out form's).
        var status = await page.EvaluateAsync<int>(@"async (id) => {
            const csrf = document.querySelector('input[name=_csrf]').value;
            const r = await fetch('/incidents/' + id + '/resolve', { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) });
            return r.status; }", id);
        Assert.Equal(403, status);
        using var json = JsonDocument.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"));
        Assert.Equal("open", json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ops_downloads_the_snapshot_export_as_csv_from_the_incident_page()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork,
            "AutoResponder:Impact:Rules:0:Name=everything", "AutoResponder:Impact:Rules:0:Kind=AllOrders", "AutoResponder:Impact:Rules:0:MatchAll=true");
        var orders = ImpactServices.CreateTableOrderSource(host.Storage, host.Services.GetRequiredService<IOptions<ImpactOptions>>().Value);
        await orders.Orders.CreateIfNotExistsAsync();
        await orders.Catalog.CreateIfNotExistsAsync();
        await OrderSeeder.WriteCatalogAsync(orders.Catalog, [ImpactTestKit.Mug], default);
        await OrderSeeder.WriteOrdersAsync(orders.Orders, [ImpactRuleTests.Order("ord-1", DateTimeOffset.UtcNow.AddMinutes(-2))], 1, null, default);
        var id = await PostAlertAsync(host, "Checkout paid below catalog", "Sev1", "checkout");
        await host.Services.GetRequiredService<OutboxRunner>().RunAsync(id, default); // the snapshot and its export

        var page = await SignedInPageAsync(host, "olga@shop.example", Roles.Ops);
        await using var context = page.Context;
        await page.GotoAsync($"/incidents/{id}");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).CountAsync()); // ops acts on nothing
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("a.export").First.ClickAsync());
        var path = await download.PathAsync();
        var lines = await File.ReadAllLinesAsync(path!);
        Assert.Equal(string.Join(',', ImpactExporter.Columns), lines[0]);
        Assert.Contains(lines.Skip(1), l => l.StartsWith("ord-1,"));

        // A viewer sees the snapshot but no export link.
        var viewer = await SignedInPageAsync(host, "manager@shop.example", Roles.Viewer);
        await using var viewerContext = viewer.Context;
        await viewer.GotoAsync($"/incidents/{id}");
        Assert.Equal(0, await viewer.Locator("a.export").CountAsync());
        Assert.Contains("ops or responder", await viewer.Locator("section[aria-labelledby=s-impact]").InnerTextAsync());
        // The download is on the timeline, by the signed-in person.
        Assert.Equal("olga@shop.example", await viewer.Locator($"#timeline li[data-kind='{TimelineKinds.ExportDownloaded}'] .actor").InnerTextAsync());
    }

    [Fact]
    public async Task Alert_text_with_markup_stays_text()
    {
        const string title = "<img src=x onerror=\"document.title='pwned';alert(1)\"> checkout";
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await PostAlertAsync(host, title, "Sev2", "<b>svc</b>");
        var page = await SignedInPageAsync(host, "alice@shop.example", Roles.Viewer);
        await using var context = page.Context;
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };

        await page.GotoAsync($"/incidents/{id}");
        Assert.Equal(title, await page.Locator("#incident-title").InnerTextAsync());
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        Assert.Equal(0, await page.Locator("main b:text('svc')").CountAsync());

        await page.GotoAsync("/incidents");
        await page.Locator($"tr[data-id='{id}']").WaitForAsync(new() { Timeout = Timeout });
        // The first poll always swaps the rows in: wait for it, then check the swapped-in rows stayed inert too.
        await page.WaitForFunctionAsync("() => document.getElementById('updated').textContent.startsWith('Updated')", null, new() { Timeout = Timeout });
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        Assert.Equal(0, dialogs);
        Assert.DoesNotContain("pwned", await page.TitleAsync());
    }

    [Fact]
    public async Task On_a_phone_nothing_scrolls_sideways()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await PostAlertAsync(host, "A very long alert title that goes on and on: " + new string('x', 120), "Sev1", "checkout-and-payments-gateway");
        await PostAlertAsync(host, "Search latency above 2 s", "Sev3", "search");
        await using var context = await browser.Chromium.NewContextAsync(new() { BaseURL = host.Client.BaseAddress!.ToString(), ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true });
        var page = await context.NewPageAsync();
        await SignInAsync(page, await host.CreateTokenAsync("alice@shop.example", Roles.Responder, Roles.Ops));
        foreach (var path in new[] { "/sign-in", "/incidents", $"/incidents/{id}" })
        {
            await page.GotoAsync(path);
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"{path} is {width}px wide on a 390px phone");
        }
        await Screenshots.SaveAsync(page, $"/incidents/{id}", "console-incident-phone.png");
    }

    /// <summary>A fresh browser context signed in through the sign-in page with a new token for <paramref name="name"/>.</summary>
    private async Task<IPage> SignedInPageAsync(RunningHost host, string name, params string[] roles)
    {
        var context = await browser.Chromium.NewContextAsync(new() { BaseURL = host.Client.BaseAddress!.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        await SignInAsync(page, await host.CreateTokenAsync(name, roles));
        return page;
    }

    private static async Task SignInAsync(IPage page, string token)
    {
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Personal access token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("header .who")).ToBeVisibleAsync();
    }

    internal static async Task<string> PostAlertAsync(RunningHost host, string title, string severity, string service)
    {
        var response = await host.Client.PostAsJsonAsync("/api/alerts", new { title, severity, service, startsAt = DateTimeOffset.UtcNow.AddMinutes(-5) });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("results")[0].GetProperty("incidentId").GetString()!;
    }
}

/// <summary>Screenshots for the README: written to the folder AUTORESPONDER_SCREENSHOTS names (scripts/screenshots.sh sets it to docs/).</summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string path, string file)
    {
        var folder = Environment.GetEnvironmentVariable("AUTORESPONDER_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder)) return;
        await page.GotoAsync(path);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, file), FullPage = true });
    }
}
