using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Access;
using AutoResponder.Composition;
using AutoResponder.Functions.Health;
using AutoResponder.Functions.Incidents;
using AutoResponder.Health;
using AutoResponder.Http;
using AutoResponder.Switches;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Access;

/// <summary>
/// Over real HTTP against the standalone host (and the Function classes where the Functions host differs): the storefront
/// role, the /api response headers, expiring personal access tokens and what /api/health tells whom.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AccessFollowUpsOverHttpTests(AzuriteFixture azurite)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> OpenAsync(RunningHost host)
    {
        var opened = await host.NewClient(null).PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"Sev2","service":"checkout"}"""));
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        return (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
    }

    [Fact]
    public async Task A_storefront_token_reads_the_switches_and_nothing_else()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Switches:Declared:0:Name=checkout-paused");
        var id = await OpenAsync(host);
        var storefront = await host.ClientAs("storefront-eu", Roles.Storefront);

        var switches = await storefront.GetAsync("/api/switches");
        Assert.Equal(HttpStatusCode.OK, switches.StatusCode);
        Assert.Equal("checkout-paused", (string?)JsonNode.Parse(await switches.Content.ReadAsStringAsync())!["switches"]![0]!["name"]);

        // Every other people route, read or act, is 403 — no incident, timeline, draft or export.
        foreach (var route in ApiRoutes.All.Where(r => r.Access is { Public: false, Ingest: false } && r.OperationId != SwitchesRoutes.ListSwitches))
        {
            var name = route.OperationId;
            var request = new HttpRequestMessage(new HttpMethod(route.Method),
                route.UrlPath.Replace("{id}", id).Replace("{kind}", "rca-draft").Replace("{snapshot}", "0001").Replace("{name}", "checkout-paused").Replace("{actionId}", "x"))
            { Content = route.Method == "POST" ? Json("""{"on":true,"text":"x","to":"x"}""") : null };
            var refused = await storefront.SendAsync(request);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{name}: {(int)refused.StatusCode}");
        }
        // Nor the console, nor the health details.
        var console = new HttpRequestMessage(HttpMethod.Get, "/incidents");
        console.Headers.Authorization = storefront.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.Forbidden, (await host.NewClient(null).SendAsync(console)).StatusCode);
        Assert.Null(JsonNode.Parse(await storefront.GetStringAsync("/api/health"))!["checks"]);
        Assert.Equal("open", (string?)JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"))!["status"]);
    }

    [Fact]
    public async Task Api_answers_say_nosniff_and_no_store_and_HSTS_only_over_https()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var viewer = await host.ClientAs("manager@shop.example", Roles.Viewer);

        foreach (var (client, path) in new[] { (viewer, "/api/incidents"), (host.NewClient(null), "/api/incidents"), (host.NewClient(null), "/api/health"),
                     (host.NewClient(null), "/api/openapi.json"), (viewer, "/api/incidents/INC-nope") })
        {
            var response = await client.GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.True(response.Headers.CacheControl?.NoStore, $"{path} ({(int)response.StatusCode}) is not no-store");
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), $"{path}: HSTS over plain http");
        }

        // Behind a front end that ended TLS (App Service, the Functions host): HSTS, on the API and the console alike.
        foreach (var path in new[] { "/api/health", "/sign-in" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Forwarded-Proto", "https");
            var response = await host.NewClient(null).SendAsync(request);
            Assert.Equal(SecurityHeaders.StrictTransportSecurity, response.Headers.GetValues("Strict-Transport-Security").Single());
        }
    }

    [Fact]
    public async Task The_Function_classes_send_the_same_headers()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var viewer = (await app.Get<PersonalAccessTokens>().CreateAsync("manager@shop.example", [Roles.Viewer], default)).Token;
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Scheme = "https";
        context.Request.Headers.Authorization = $"Bearer {viewer}";

        var result = await new IncidentApi().List(context.Request, TestFunctionContext.For(app.Services));
        await ((Microsoft.AspNetCore.Mvc.IActionResult)result).ExecuteResultAsync(new Microsoft.AspNetCore.Mvc.ActionContext(context,
            new Microsoft.AspNetCore.Routing.RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("nosniff", context.Response.Headers.XContentTypeOptions.ToString());
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        Assert.Equal(SecurityHeaders.StrictTransportSecurity, context.Response.Headers.StrictTransportSecurity.ToString());
    }

    [Fact]
    public async Task An_expired_token_is_refused_its_last_use_is_recorded_hourly_and_expiry_is_warned_about()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await RunningHost.StartAsync(azurite, null, services => services.AddSingleton<TimeProvider>(time));
        var tokens = host.Services.GetRequiredService<PersonalAccessTokens>();
        var created = await tokens.CreateAsync("dave@shop.example", [Roles.Viewer], default);
        Assert.Equal(time.GetUtcNow().AddDays(90), created.Record.ExpiresAt);
        var dave = host.NewClient(created.Token);
        async Task<DateTimeOffset?> LastUsedAsync() => (await tokens.ListAsync(default)).Single(t => t.Id == created.Record.Id).LastUsedAt;

        Assert.Null(await LastUsedAsync());
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync("/api/incidents")).StatusCode);
        Assert.Equal(time.GetUtcNow(), await LastUsedAsync());
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync("/api/incidents")).StatusCode);
        Assert.Equal(time.GetUtcNow().AddMinutes(-30), await LastUsedAsync()); // at most one write an hour
        time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync("/api/incidents")).StatusCode);
        Assert.Equal(time.GetUtcNow(), await LastUsedAsync());

        // Ten days before expiry: /api/health warns (it stays healthy), naming the token.
        time.SetUtcNow(created.Record.ExpiresAt!.Value.AddDays(-10));
        var health = JsonNode.Parse(await host.Client.GetStringAsync("/api/health"))!;
        var check = health["checks"]!.AsArray().Single(c => (string?)c!["name"] == "access-tokens")!;
        Assert.Equal("warning", (string?)check["status"]);
        Assert.Contains($"{created.Record.Id} (dave@shop.example) in 10 d", (string?)check["detail"]);
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync("/api/incidents")).StatusCode);

        // Expired: refused like an unknown token, on the API and for a console sign-in.
        time.SetUtcNow(created.Record.ExpiresAt!.Value);
        await BadInputTests.AssertProblem(await dave.GetAsync("/api/incidents"), 401, "Authorization", "expired token");
        Assert.Null(await host.Services.GetRequiredService<AutoResponder.WebConsole.ConsoleSessions>().SignInAsync(created.Token, default));
        await Assert.ThrowsAsync<ArgumentException>(() => tokens.CreateAsync("x", [Roles.Viewer], default, TimeSpan.FromDays(800)));
    }

    [Fact]
    public async Task Health_tells_anonymous_probes_the_status_only_and_people_every_check()
    {
        await using var host = await RunningHost.StartAsync(azurite);

        var anonymous = await host.NewClient(null).GetAsync("/api/health");
        var text = await anonymous.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["status", "checkedAt"], body.Select(p => p.Key));
        Assert.Equal("healthy", (string?)body["status"]);
        Assert.DoesNotContain("devstoreaccount1", text); // the storage account name
        Assert.DoesNotContain("file outbox", text);       // the Graph mode
        // A wrong token is no one: the same short answer.
        Assert.Null(JsonNode.Parse(await host.NewClient("arp_0123456789ab_not-a-real-secret").GetStringAsync("/api/health"))!["checks"]);

        var viewer = await host.ClientAs("manager@shop.example", Roles.Viewer);
        var full = JsonNode.Parse(await viewer.GetStringAsync("/api/health"))!;
        Assert.Contains("devstoreaccount1", (string?)full["checks"]!.AsArray().Single(c => (string?)c!["name"] == "storage")!["detail"]);
    }

    [Fact]
    public async Task The_Function_health_route_answers_the_same_way()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var viewer = (await app.Get<PersonalAccessTokens>().CreateAsync("manager@shop.example", [Roles.Viewer], default)).Token;
        var api = new HealthApi();
        HttpRequest Request(string? bearer)
        {
            var context = new DefaultHttpContext { RequestServices = app.Services };
            if (bearer is not null) context.Request.Headers.Authorization = $"Bearer {bearer}";
            return context.Request;
        }

        Assert.Null(((HealthReport)((ApiResult)await api.Get(Request(null), TestFunctionContext.For(app.Services))).Body!).Checks);
        Assert.NotEmpty(((HealthReport)((ApiResult)await api.Get(Request(viewer), TestFunctionContext.For(app.Services))).Body!).Checks!);
    }
}
