using System.Net.Http.Json;
using System.Text.Json;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Playwright;

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
    public async Task An_alerts_incident_appears_in_the_open_list_without_a_reload()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var page = await NewPageAsync(host);
        await page.GotoAsync("/incidents");
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");
        Assert.Equal(0, await page.Locator("table.incidents tbody tr").CountAsync());

        var id = await PostAlertAsync(host, "Checkout paid below catalog", "Sev1", "checkout");

        var row = page.Locator($"tr[data-id='{id}']");
        await row.WaitForAsync(new() { Timeout = Timeout });
        Assert.Contains("Checkout paid below catalog", await row.InnerTextAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the list reloaded the page instead of updating itself");
    }

    [Fact]
    public async Task A_responder_acknowledges_posts_a_status_with_an_eta_and_resolves_from_the_page()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await PostAlertAsync(host, "Payments failing", "Sev2", "payments");
        var page = await NewPageAsync(host);
        await page.GotoAsync($"/incidents/{id}");
        Assert.Equal("Open", await page.Locator("#incident-status").InnerTextAsync());

        await page.GetByLabel("Owner").FillAsync("alice@shop.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await page.WaitForURLAsync($"**/incidents/{id}");
        Assert.Equal("Acknowledged", await page.Locator("#incident-status").InnerTextAsync());
        Assert.Contains("alice@shop.example", await page.Locator("#timeline li[data-kind='acknowledged']").InnerTextAsync());

        var eta = DateTimeOffset.UtcNow.AddHours(2);
        await page.GetByLabel("Status", new() { Exact = true }).FillAsync("Promo rule applied twice");
        await page.GetByLabel("Next steps").FillAsync("Disable the rule");
        await page.GetByLabel("ETA (UTC)").FillAsync(eta.ToString("yyyy-MM-ddTHH:mm"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Post update" }).ClickAsync();
        await page.WaitForURLAsync($"**/incidents/{id}");
        var update = await page.Locator("#timeline li[data-kind='status']").InnerTextAsync();
        Assert.Contains("Promo rule applied twice", update);
        Assert.Contains($"ETA: {eta:yyyy-MM-dd HH:mm} UTC", update);
        Assert.Contains($"{eta:yyyy-MM-dd HH:mm} UTC", await page.Locator("#incident-eta").InnerTextAsync());
        await PostAlertAsync(host, "Search latency above 2 s", "Sev3", "search");
        await Screenshots.SaveAsync(page, "/incidents", "console-list.png");
        await Screenshots.SaveAsync(page, $"/incidents/{id}", "console-incident.png");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await page.WaitForURLAsync($"**/incidents/{id}");
        Assert.Equal("Resolved", await page.Locator("#incident-status").InnerTextAsync());
        Assert.Equal(1, await page.Locator("#timeline li[data-kind='resolved']").CountAsync());

        // What the page did is what the API says.
        using var json = JsonDocument.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"));
        Assert.Equal("resolved", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("alice@shop.example", json.RootElement.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Alert_text_with_markup_stays_text()
    {
        const string title = "<img src=x onerror=\"document.title='pwned';alert(1)\"> checkout";
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await PostAlertAsync(host, title, "Sev2", "<b>svc</b>");
        var page = await NewPageAsync(host);
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };

        await page.GotoAsync($"/incidents/{id}");
        Assert.Equal(title, await page.Locator("#incident-title").InnerTextAsync());
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        Assert.Equal(0, await page.Locator("main b:text('svc')").CountAsync());

        await page.GotoAsync("/incidents");
        await page.Locator($"tr[data-id='{id}']").WaitForAsync(new() { Timeout = Timeout });
        await page.WaitForTimeoutAsync(3500); // one poll of the list: the swapped-in rows stay inert too
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
        var context = await browser.Chromium.NewContextAsync(new() { BaseURL = host.Client.BaseAddress!.ToString(), ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true });
        var page = await context.NewPageAsync();
        foreach (var path in new[] { "/incidents", $"/incidents/{id}" })
        {
            await page.GotoAsync(path);
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"{path} is {width}px wide on a 390px phone");
        }
        await Screenshots.SaveAsync(page, $"/incidents/{id}", "console-incident-phone.png");
        await context.CloseAsync();
    }

    private async Task<IPage> NewPageAsync(RunningHost host)
    {
        var context = await browser.Chromium.NewContextAsync(new() { BaseURL = host.Client.BaseAddress!.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        return page;
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
