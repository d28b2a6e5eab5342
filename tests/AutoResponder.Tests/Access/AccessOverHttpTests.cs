using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Access;
using AutoResponder.Composition;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Access;

/// <summary>Who may call what, over real HTTP against the standalone host; every route of <see cref="ApiRoutes"/> is exercised.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AccessOverHttpTests(AzuriteFixture azurite)
{
    private const string IngestKey = "ingest-key-0123456789";
    private sealed record Route(string Name, string Method, string Path);
    private static readonly IEnumerable<Route> PeopleRoutes = ApiRoutes.All.Where(r => r.Access is { Ingest: false, Public: false })
        .Select(r => new Route(r.OperationId, r.Method, r.UrlPath)).ToList();
    private static readonly IEnumerable<Route> Actions = PeopleRoutes.Where(r => r.Method == "POST");

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Request(Route route, string id, string? query = null) =>
        new(new HttpMethod(route.Method), route.Path.Replace("{id}", id).Replace("{kind}", "rca-draft").Replace("{snapshot}", "s1") + query)
        {
            Content = route.Method == "POST" ? Json("""{"text":"x","owner":"x","link":"https://wiki/rca","dueAt":"2030-01-01T00:00:00Z"}""") : null,
        };

    private static async Task<string> OpenAsync(RunningHost host, HttpClient monitoring)
    {
        var opened = await monitoring.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"Sev2","service":"checkout"}"""));
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        return (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
    }

    private static HttpClient Monitoring(RunningHost host)
    {
        var client = host.NewClient(null);
        client.DefaultRequestHeaders.Add("x-functions-key", IngestKey);
        return client;
    }

    [Fact]
    public async Task Every_people_route_is_401_without_credentials_and_refuses_the_ingest_key()
    {
        await using var host = await RunningHost.StartAsync(azurite, IngestKey);
        var id = await OpenAsync(host, Monitoring(host));
        var anonymous = host.NewClient(null);
        var wrongToken = host.NewClient("arp_0123456789ab_not-a-real-secret");

        foreach (var route in PeopleRoutes)
        {
            var none = await anonymous.SendAsync(Request(route, id));
            await BadInputTests.AssertProblem(none, 401, "Authorization", $"{route.Name} without credentials");
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
            await BadInputTests.AssertProblem(await wrongToken.SendAsync(Request(route, id)), 401, "Authorization", $"{route.Name} with an unknown token");

            // The monitoring key opens only the alert route: 403 in the header, 401 in the query string (never accepted there).
            var keyInHeader = Request(route, id);
            keyInHeader.Headers.Add("x-functions-key", IngestKey);
            var forbidden = await anonymous.SendAsync(keyInHeader);
            Assert.True(forbidden.StatusCode == HttpStatusCode.Forbidden, $"{route.Name} with the ingest key: {(int)forbidden.StatusCode}");
            Assert.Contains("only send alerts", (string)JsonNode.Parse(await forbidden.Content.ReadAsStringAsync())!["detail"]!);
            await BadInputTests.AssertProblem(await anonymous.SendAsync(Request(route, id, $"?code={IngestKey}")), 401, "code", $"{route.Name} with ?code=");
            // Even a signed-in person may not put the key in the URL of a people route.
            await BadInputTests.AssertProblem(await host.Client.SendAsync(Request(route, id, $"?code={IngestKey}")), 401, "code", $"{route.Name} person with ?code=");
        }
        Assert.Equal("open", (string?)JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"))!["status"]);
    }

    [Fact]
    public async Task A_viewer_reads_but_every_action_is_403_and_changes_nothing()
    {
        await using var host = await RunningHost.StartAsync(azurite, IngestKey);
        var id = await OpenAsync(host, Monitoring(host));
        var viewer = await host.ClientAs("manager@shop.example", Roles.Viewer);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/incidents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/incidents/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/incidents/{id}/impact")).StatusCode);
        foreach (var route in Actions)
        {
            var refused = await viewer.SendAsync(Request(route, id));
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{route.Name}: {(int)refused.StatusCode} {text}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("needs the role responder", text);
        }
        Assert.Equal("open", (string?)JsonNode.Parse(await viewer.GetStringAsync($"/api/incidents/{id}"))!["status"]);
        var timeline = JsonNode.Parse(await viewer.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray();
        Assert.DoesNotContain(timeline, t => (string?)t!["actor"] == "manager@shop.example");
    }

    [Fact]
    public async Task Spoofed_principal_headers_and_actor_fields_are_ignored()
    {
        await using var host = await RunningHost.StartAsync(azurite, IngestKey);
        var id = await OpenAsync(host, Monitoring(host));
        var principal = Convert.ToBase64String(Encoding.UTF8.GetBytes(
            """{"auth_typ":"aad","name_typ":"name","role_typ":"roles","claims":[{"typ":"name","val":"ceo@shop.example"},{"typ":"roles","val":"admin"}]}"""));

        var spoofOnly = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/resolve") { Content = Json("{}") };
        spoofOnly.Headers.Add("X-MS-CLIENT-PRINCIPAL-NAME", "ceo@shop.example");
        spoofOnly.Headers.Add("X-MS-CLIENT-PRINCIPAL", principal);
        await BadInputTests.AssertProblem(await host.NewClient(null).SendAsync(spoofOnly), 401, "Authorization", "principal headers alone");

        var carol = await host.ClientAs("carol@shop.example", Roles.Responder);
        var spoofed = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/status") { Content = Json("""{"actor":"ceo@shop.example","text":"Looking"}""") };
        spoofed.Headers.Add("X-MS-CLIENT-PRINCIPAL-NAME", "ceo@shop.example");
        spoofed.Headers.Add("X-MS-CLIENT-PRINCIPAL", principal);
        Assert.Equal(HttpStatusCode.OK, (await carol.SendAsync(spoofed)).StatusCode);

        var timeline = JsonNode.Parse(await carol.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray();
        Assert.Equal("carol@shop.example", (string?)timeline.Single(t => (string?)t!["kind"] == "status")!["actor"]);
        Assert.DoesNotContain(timeline, t => ((string?)t!["actor"])?.Contains("ceo") == true);
    }

    [Fact]
    public async Task A_revoked_token_stops_working_and_only_its_hash_is_stored()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var tokens = host.Services.GetRequiredService<PersonalAccessTokens>();
        var created = await tokens.CreateAsync("dave@shop.example", [Roles.Viewer], CancellationToken.None);
        var dave = host.NewClient(created.Token);
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync("/api/incidents")).StatusCode);

        var row = await tokens.Table.GetEntityAsync<TableEntity>(AccessTokenRecord.Partition, created.Record.Id);
        var secret = created.Token.Split('_', 3)[2];
        Assert.DoesNotContain(row.Value.Select(kv => kv.Value), v => v?.ToString()?.Contains(secret) == true);
        Assert.Equal(64, row.Value.GetString(nameof(AccessTokenRecord.SecretHash)).Length);

        var tampered = host.NewClient(created.Token[..^2] + (created.Token[^2] == 'A' ? "BB" : "AA"));
        await BadInputTests.AssertProblem(await tampered.GetAsync("/api/incidents"), 401, "Authorization", "tampered secret");

        Assert.True(await tokens.RevokeAsync(created.Record.Id, CancellationToken.None));
        await BadInputTests.AssertProblem(await dave.GetAsync("/api/incidents"), 401, "Authorization", "revoked");
        Assert.NotNull(Assert.Single(await tokens.ListAsync(CancellationToken.None), t => t.Id == created.Record.Id).RevokedAt);
    }

    [Fact]
    public async Task Roles_are_checked_per_route_admin_holds_all_and_tokens_need_a_known_role()
    {
        await using var host = await RunningHost.StartAsync(azurite, IngestKey);
        var id = await OpenAsync(host, Monitoring(host));
        var ops = await host.ClientAs("ops@shop.example", Roles.Ops);
        var admin = await host.ClientAs("root@shop.example", Roles.Admin);

        Assert.Equal(HttpStatusCode.OK, (await ops.GetAsync($"/api/incidents/{id}/impact")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ops.PostAsync($"/api/incidents/{id}/resolve", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/incidents/{id}/acknowledge", Json("{}"))).StatusCode);
        // A person's token does not send alerts: that is the ingest key's job.
        await BadInputTests.AssertProblem(await admin.PostAsync("/api/alerts", Json("""{"title":"x"}""")), 401, "x-functions-key", "token on alerts");

        var tokens = host.Services.GetRequiredService<PersonalAccessTokens>();
        await Assert.ThrowsAsync<ArgumentException>(() => tokens.CreateAsync("eve", ["superuser"], CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => tokens.CreateAsync("eve", [], CancellationToken.None));
    }

    [Theory]
    [InlineData(null, "localhost", HttpStatusCode.OK)]
    [InlineData(null, "127.0.0.1", HttpStatusCode.OK)]
    [InlineData(null, "attacker.example", HttpStatusCode.BadRequest)]
    [InlineData(null, "incidents.shop.example", HttpStatusCode.BadRequest)]
    [InlineData("incidents.shop.example", "incidents.shop.example", HttpStatusCode.OK)]
    [InlineData("incidents.shop.example", "localhost", HttpStatusCode.BadRequest)]
    public async Task Only_the_allowed_host_names_are_answered(string? allowed, string hostHeader, HttpStatusCode expected)
    {
        var logs = new LogLines();
        await using var host = await RunningHost.StartAsync(azurite, null,
            services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs),
            allowed is null ? [] : [$"AutoResponder:Access:AllowedHosts:0={allowed}"]);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/incidents");
        request.Headers.Host = $"{hostHeader}:{host.BaseAddress.Port}";

        var response = await host.Client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.BadRequest) return;
        // says what to fix, to the caller and to the operator, without listing the names it answers
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Host", problem["field"]!.GetValue<string>());
        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains($"'{hostHeader}'", detail);
        Assert.Contains("AutoResponder:Access:AllowedHosts", detail);
        Assert.DoesNotContain(allowed ?? "127.0.0.1", detail);
        Assert.Contains(logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && l.Text.Contains($"host '{hostHeader}'") && l.Text.Contains("AutoResponder:Access:AllowedHosts"));
    }
}
