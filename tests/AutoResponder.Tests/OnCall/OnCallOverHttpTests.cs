using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Access;
using AutoResponder.Outbox;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.OnCall;

/// <summary>
/// Over HTTP against the standalone host, Graph writing to its file outbox: a schedule and a policy set through the API,
/// a Sev1 alert, level 1's Teams chat and e-mail in the outbox, level 2's after the timeout, and the acknowledgement stops it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OnCallOverHttpTests(AzuriteFixture azurite)
{
    private const string Ana = "ana@contoso.com", Lead = "lead@contoso.com";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Every request Graph would have received, as the file transport wrote them.</summary>
    private static List<JsonNode> GraphRequests(string folder) => Directory.Exists(folder)
        ? Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).Select(f => JsonNode.Parse(File.ReadAllText(f))!).ToList()
        : [];

    /// <summary>Who got a page by Teams chat: the person looked up right before each chat message.</summary>
    private static List<string> ChatMessages(string folder) =>
        GraphRequests(folder).Where(r => (string)r["method"]! == "POST" && Regex(r, "/chats/[^/]+/messages$")).Select(r => (string)r["body"]!["body"]!["content"]!).ToList();

    private static List<string> PageMails(string folder) =>
        GraphRequests(folder).Where(r => ((string)r["url"]!).EndsWith("/sendMail") && ((string?)r["body"]!["Message"]!["subject"] ?? "").Contains("Paged"))
            .Select(r => (string)r["body"]!["Message"]!["toRecipients"]![0]!["emailAddress"]!["address"]!).ToList();

    private static bool Regex(JsonNode r, string pattern) => System.Text.RegularExpressions.Regex.IsMatch(Uri.UnescapeDataString(new Uri((string)r["url"]!).AbsolutePath), pattern);

    [Fact]
    public async Task Schedule_and_policy_set_through_the_API_page_level_1_then_level_2_after_the_timeout_until_acknowledged()
    {
        var folder = Path.Combine(Path.GetTempPath(), "oncall-" + Guid.NewGuid().ToString("N")[..8]);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            RunningHost.WithoutBackgroundWork(services); // the test drives the outbox in fake time
        }, $"AutoResponder:Graph:OutboxFolder={folder}", "AutoResponder:OnCall:Paging=true", "AutoResponder:StatusEmails:Enabled=false");
        try
        {
            var admin = await host.ClientAs("admin@shop.example", Roles.Admin);
            var schedule = await admin.PutAsync("/api/oncall/schedules/primary", Json(
                $$"""{"members":["{{Ana}}","ben@contoso.com"],"start":"2026-11-23","handOff":"09:00","length":"weekly","timeZone":"Europe/Berlin"}"""));
            Assert.Equal(HttpStatusCode.OK, schedule.StatusCode);
            Assert.Equal(Ana, (string)JsonNode.Parse(await schedule.Content.ReadAsStringAsync())!["now"]!["person"]!);

            // Bad input: a problem naming the field, nothing stored; a responder may not change who is paged.
            var bad = await admin.PutAsync("/api/oncall/policies/checkout", Json("""{"levels":[{"schedules":["primary"],"minutes":0}]}"""));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
            Assert.Equal("levels[0].minutes", (string)JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["field"]!);
            var typo = await admin.PutAsync("/api/oncall/schedules/night", Json("""{"member":["x@contoso.com"]}"""));
            Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
            Assert.Equal("member", (string)JsonNode.Parse(await typo.Content.ReadAsStringAsync())!["field"]!);
            Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.PutAsync("/api/oncall/policies/checkout", Json("""{"levels":[{"people":["x@contoso.com"]}]}"""))).StatusCode);
            Assert.Empty(JsonNode.Parse(await host.Client.GetStringAsync("/api/oncall"))!["policies"]!.AsArray());

            var policy = await admin.PutAsync("/api/oncall/policies/checkout", Json(
                $$"""{"levels":[{"schedules":["primary"],"minutes":10},{"people":["{{Lead}}"],"minutes":20}],"services":["checkout"]}"""));
            Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
            var oncall = JsonNode.Parse(await host.Client.GetStringAsync("/api/oncall"))!;
            Assert.Equal(Ana, (string)oncall["schedules"]![0]!["now"]!["person"]!);
            Assert.Equal("ben@contoso.com", (string)oncall["schedules"]![0]!["next"]!["person"]!);
            Assert.Equal(DateTimeOffset.Parse("2026-11-30T08:00:00Z"), (DateTimeOffset)oncall["schedules"]![0]!["next"]!["from"]!); // Monday 09:00 in Berlin

            // The console's on-call page: now, next, the next 14 days.
            using (var browser = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress })
            {
                var form = await browser.GetAsync("/sign-in"); // the sign-in form's anti-forgery token and its cookie
                var formHtml = await form.Content.ReadAsStringAsync();
                var formCsrf = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(formHtml, "name=\"_csrf\" value=\"([^\"]+)\"").Groups[1].Value);
                var signIn = new HttpRequestMessage(HttpMethod.Post, "/sign-in")
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = await host.CreateTokenAsync("viv@shop.example", Roles.Viewer), ["returnUrl"] = "/oncall", ["_csrf"] = formCsrf }),
                };
                if (form.Headers.TryGetValues("Set-Cookie", out var formCookies)) signIn.Headers.Add("Cookie", string.Join("; ", formCookies.Select(c => c.Split(';')[0])));
                signIn.Headers.Add("Origin", host.BaseAddress.GetLeftPart(UriPartial.Authority));
                signIn.Headers.Add("Sec-Fetch-Site", "same-origin");
                var signedIn = await browser.SendAsync(signIn);
                Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
                // The cookie's expiry is in fake time (days behind the real clock): send it by hand.
                var cookie = string.Join("; ", signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
                var get = new HttpRequestMessage(HttpMethod.Get, "/oncall");
                get.Headers.Add("Cookie", cookie);
                var answer = await browser.SendAsync(get);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                var page = await answer.Content.ReadAsStringAsync();
                Assert.Contains("On call now: <b>ana@contoso.com</b> until 2026-11-30 08:00 UTC", page);
                Assert.Contains("Next: <b>ben@contoso.com</b> from 2026-11-30 08:00 UTC", page);
                Assert.Contains("lead@contoso.com — 20 min to acknowledge", page);
            }

            var opened = await host.NewClient(null).PostAsync("/api/alerts", Json("""{"title":"Checkout prices wrong","severity":"Sev1","service":"checkout"}"""));
            Assert.True(opened.IsSuccessStatusCode);
            var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
            var runner = host.Services.GetRequiredService<OutboxRunner>();
            async Task RunForAsync(TimeSpan span)
            {
                for (var waited = TimeSpan.Zero; waited <= span; waited += TimeSpan.FromSeconds(20))
                {
                    await runner.RunAsync(id, default);
                    time.Advance(TimeSpan.FromSeconds(20));
                }
            }

            await RunForAsync(TimeSpan.FromMinutes(2));
            Assert.Equal([Ana], PageMails(folder));
            var chat = Assert.Single(ChatMessages(folder));
            Assert.Contains($"/incidents/{id}", chat);                                              // the console link
            Assert.Contains(GraphRequests(folder), r => Regex(r, "/users/ana@contoso.com$"));
            Assert.Contains(GraphRequests(folder), r => (string)r["method"]! == "POST" && Regex(r, "/chats$") && r["body"]!["chatType"]!.ToString() == "oneOnOne");
            Assert.Contains(GraphRequests(folder), r => Regex(r, "/replies$") && r["body"]!["mentions"] is JsonArray { Count: 1 }); // @mention in the thread

            await RunForAsync(TimeSpan.FromMinutes(7));                                             // 9:20 after opening: not yet
            Assert.Equal([Ana], PageMails(folder));
            await RunForAsync(TimeSpan.FromMinutes(1));                                             // past 10 min: level 2
            Assert.Equal([Ana, Lead], PageMails(folder));
            Assert.Equal(2, ChatMessages(folder).Count);

            var acknowledged = await host.Client.PostAsync($"/api/incidents/{id}/acknowledge", Json("{}"));
            Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
            var pagesBefore = GraphRequests(folder).Count;
            await RunForAsync(TimeSpan.FromMinutes(40));
            Assert.Equal([Ana, Lead], PageMails(folder));
            var incident = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"))!;
            var escalation = incident["escalation"]!;
            Assert.Equal(("checkout", 2), ((string)escalation["policy"]!, (int)escalation["level"]!));
            Assert.Equal([Ana, Lead], escalation["paged"]!.AsArray().Select(p => (string)p!).ToList());
            Assert.Contains("acknowledged", (string)escalation["stopReason"]!);
            var timeline = JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline?limit=200"))!["timeline"]!.AsArray();
            Assert.Contains(timeline, t => (string)t!["kind"]! == "escalation-stopped");
            Assert.Contains(timeline, t => (string)t!["kind"]! == "escalated" && ((string)t["text"]!).Contains(Lead));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class RespondersOverHttpTests(AzuriteFixture azurite)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_responder_asked_by_schedule_is_paged_listed_and_acknowledges()
    {
        var graph = new AutoResponder.Tests.Graph.FakeGraphHandler();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton(new AutoResponder.Graph.GraphTransport(() => graph));
            RunningHost.WithoutBackgroundWork(services);
        }, "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false",
           "AutoResponder:OnCall:Schedules:0:Name=db", "AutoResponder:OnCall:Schedules:0:Members:0=dora@contoso.com", "AutoResponder:OnCall:Schedules:0:TimeZone=Europe/Berlin");
        var opened = await host.NewClient(null).PostAsync("/api/alerts", Json("""{"title":"Checkout slow","severity":"Sev2","service":"checkout"}"""));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
        await host.Client.PostAsync($"/api/incidents/{id}/acknowledge", Json("{}"));

        var unknown = await host.Client.PostAsync($"/api/incidents/{id}/responders", Json("""{"schedule":"nope","message":"db?"}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Equal("schedule", (string)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["field"]!);

        var asked = await host.Client.PostAsync($"/api/incidents/{id}/responders", Json("""{"schedule":"db","message":"Is the price table locked?"}"""));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        await host.Services.GetRequiredService<OutboxRunner>().RunAsync(id, default);
        Assert.Equal(["dora@contoso.com"], graph.SendMails.Where(m => m.Subject.Contains("Paged")).SelectMany(m => m.To).ToList()); // paged though acknowledged
        Assert.Contains("Is the price table locked?", graph.SendMails.Last().Html);

        var dora = await host.ClientAs("dora@contoso.com", Roles.Responder);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync($"/api/incidents/{id}/responders/acknowledge", null)).StatusCode); // not asked
        Assert.Equal(HttpStatusCode.OK, (await dora.PostAsync($"/api/incidents/{id}/responders/acknowledge", null)).StatusCode);
        var responder = Assert.Single(JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}"))!["responders"]!.AsArray())!;
        Assert.Equal("dora@contoso.com", (string)responder["person"]!);
        Assert.Equal(RunningHost.Responder, (string)responder["requestedBy"]!);
        Assert.NotNull((DateTimeOffset?)responder["pagedAt"]);
        Assert.NotNull((DateTimeOffset?)responder["acknowledgedAt"]);
    }

    [Fact]
    public async Task The_console_form_adds_a_responder_by_schedule_and_lists_them()
    {
        var graph = new AutoResponder.Tests.Graph.FakeGraphHandler();
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton(new AutoResponder.Graph.GraphTransport(() => graph));
            RunningHost.WithoutBackgroundWork(services);
        }, "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false",
           "AutoResponder:OnCall:Schedules:0:Name=db", "AutoResponder:OnCall:Schedules:0:Members:0=dora@contoso.com");
        var opened = await host.NewClient(null).PostAsync("/api/alerts", Json("""{"title":"Checkout slow","severity":"Sev2","service":"checkout"}"""));
        var id = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;

        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        HttpRequestMessage Form(string path, Dictionary<string, string> fields)
        {
            var r = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
            r.Headers.Add("Origin", host.BaseAddress.GetLeftPart(UriPartial.Authority));
            r.Headers.Add("Sec-Fetch-Site", "same-origin");
            return r;
        }
        var token = await host.CreateTokenAsync("rita@shop.example", Roles.Responder);
        var signInPage = await browser.GetStringAsync("/sign-in");
        var signInCsrf = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(signInPage, "name=\"_csrf\" value=\"([^\"]+)\"").Groups[1].Value);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SendAsync(Form("/sign-in", new() { ["token"] = token, ["returnUrl"] = "/incidents", ["_csrf"] = signInCsrf }))).StatusCode);
        var page = await browser.GetStringAsync($"/incidents/{id}");
        Assert.Contains("id=\"add-responder\"", page);
        var csrf = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page, "name=\"_csrf\" value=\"([^\"]+)\"").Groups[1].Value);

        var unknown = await browser.SendAsync(Form($"/incidents/{id}/responder", new() { ["_csrf"] = csrf, ["person"] = "nope" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Contains("There is no schedule", await unknown.Content.ReadAsStringAsync());
        var added = await browser.SendAsync(Form($"/incidents/{id}/responder", new() { ["_csrf"] = csrf, ["person"] = "db", ["message"] = "Locks on the price table?" }));
        Assert.Equal(HttpStatusCode.SeeOther, added.StatusCode);
        await host.Services.GetRequiredService<OutboxRunner>().RunAsync(id, default);
        Assert.Contains(graph.SendMails, m => m.To.Contains("dora@contoso.com") && m.Subject.Contains("Paged"));
        Assert.Contains("dora@contoso.com</li>".Replace("</li>", " — asked by rita@shop.example"), await browser.GetStringAsync($"/incidents/{id}"));
    }
}
