using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Http;

/// <summary>The incident API v2 over real HTTP: paged list and sub-resources, filters, ETag / If-Match, the resource shape.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IncidentApiTests(AzuriteFixture azurite)
{
    /// <summary>Property names that are storage bookkeeping and must never appear in the public JSON.</summary>
    internal static readonly string[] InternalNames =
    [
        "effects", "effectsJson", "partitionKey", "rowKey", "eTag", "etag", "timestamp", "firingAlerts", "dedupHash", "groupHash",
        "linksJson", "labelsJson", "payload", "leaseUntil", "statusName", "severityName",
    ];

    /// <summary>A host whose optional features are off, so no background side effect changes the incident while a test holds its ETag.</summary>
    private Task<RunningHost> QuietHostAsync() => RunningHost.StartAsync(azurite, null,
        "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false", "AutoResponder:Reminders:Enabled=false");

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> OpenAsync(RunningHost host, string title, string service, string severity = "Sev2")
    {
        var response = await host.Client.PostAsync("/api/alerts", Json($$"""{"title":"{{title}}","severity":"{{severity}}","service":"{{service}}"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
    }

    private static async Task<JsonNode> GetJson(RunningHost host, string url)
    {
        var response = await host.Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Follows nextCursor from <paramref name="url"/> and returns every item of every page, and the number of pages.</summary>
    private static async Task<(List<JsonNode> Items, int Pages)> AllPagesAsync(RunningHost host, string url, string items, int limit)
    {
        var all = new List<JsonNode>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var separator = url.Contains('?') ? '&' : '?';
            var page = await GetJson(host, $"{url}{separator}limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            var batch = page[items]!.AsArray();
            Assert.True(batch.Count <= limit, $"a page of {batch.Count} exceeds limit {limit}");
            all.AddRange(batch.Select(i => i!.DeepClone()));
            cursor = (string?)page["nextCursor"];
            pages++;
            Assert.True(pages < 100, "paging did not end");
        } while (cursor is not null);
        return (all, pages);
    }

    [Fact]
    public async Task The_list_pages_live_then_closed_incidents_newest_first_each_exactly_once()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var ids = new List<string>();
        for (var n = 0; n < 7; n++) ids.Add(await OpenAsync(host, $"Service {n} down", $"svc-{n}"));
        Assert.Equal(7, ids.Distinct().Count());
        foreach (var id in ids.Take(2)) // the two oldest: resolved, then closed
        {
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/resolve", Json("""{"actor":"bob"}"""))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/close", Json("""{"actor":"bob"}"""))).StatusCode);
        }

        var (live, livePages) = await AllPagesAsync(host, "/api/incidents", "incidents", limit: 2);
        Assert.Equal(ids.Skip(2).Reverse(), live.Select(i => (string)i["id"]!)); // newest opened first
        Assert.Equal(3, livePages);

        var (everything, pages) = await AllPagesAsync(host, "/api/incidents?status=open,acknowledged,mitigated,resolved,closed", "incidents", limit: 3);
        Assert.Equal(ids.Skip(2).Reverse().Concat([ids[1], ids[0]]), everything.Select(i => (string)i["id"]!)); // then newest closed first
        Assert.Equal(3, pages);
        Assert.All(everything.Take(5), i => Assert.Equal("open", (string?)i["status"]));
        Assert.All(everything.Skip(5), i => Assert.Equal("closed", (string?)i["status"]));

        // A list item is small: no detail summaries, no bookkeeping.
        var item = everything[0].AsObject();
        Assert.Equal(["id", "title", "severity", "status", "owner", "service", "openedAt", "resolvedAt", "closedAt", "updatedAt", "alertCounts"], item.Select(p => p.Key));
        Assert.Equal(1, (int)item["alertCounts"]!["firing"]!);

        // One more page request with a cursor from another filter is refused.
        var first = await GetJson(host, "/api/incidents?limit=2");
        var foreign = await host.Client.GetAsync($"/api/incidents?status=closed&limit=2&cursor={Uri.EscapeDataString((string)first["nextCursor"]!)}");
        await BadInputTests.AssertProblem(foreign, 422, "cursor", "cursor of another filter");
    }

    [Fact]
    public async Task The_list_filters_by_status_severity_service_and_since()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var search = await OpenAsync(host, "Search down", "search", "Sev1");
        var cart = await OpenAsync(host, "Cart slow", "cart", "Sev3");
        var payments = await OpenAsync(host, "Payments failing", "payments", "Sev1");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{payments}/acknowledge", Json("""{"owner":"alice"}"""))).StatusCode);

        async Task<string[]> Ids(string query) => (await AllPagesAsync(host, $"/api/incidents?{query}", "incidents", limit: 1)).Items.Select(i => (string)i["id"]!).ToArray();

        Assert.Equal([payments, search], await Ids("severity=sev1"));
        Assert.Equal([cart], await Ids("severity=Sev3,Sev4"));
        Assert.Equal([cart], await Ids("service=CART"));
        Assert.Equal([payments], await Ids("status=acknowledged"));
        Assert.Equal([cart, search], await Ids("status=open"));
        Assert.Equal([search], await Ids("status=open&severity=Sev1&service=search"));
        var cartOpenedAt = (string)(await GetJson(host, $"/api/incidents/{cart}"))["openedAt"]!;
        Assert.Equal([payments, cart], await Ids($"since={Uri.EscapeDataString(cartOpenedAt)}"));
        Assert.Empty(await Ids("since=2999-01-01T00:00:00Z"));
    }

    [Fact]
    public async Task Timeline_alerts_and_actions_page_through_every_row_exactly_once_in_order()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await OpenAsync(host, "Checkout errors", "checkout");
        for (var n = 1; n <= 6; n++) // more alerts of the same group: one incident
        {
            var more = await host.Client.PostAsync("/api/alerts", Json($$$"""{"title":"Checkout errors on pod {{{n}}}","severity":"Sev2","service":"checkout","labels":{"pod":"checkout-{{{n}}}"}}"""));
            Assert.Equal(id, (string)JsonNode.Parse(await more.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!);
        }
        for (var n = 1; n <= 8; n++)
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/status", Json($$"""{"actor":"alice","text":"update {{n}}"}"""))).StatusCode);

        var (timeline, timelinePages) = await AllPagesAsync(host, $"/api/incidents/{id}/timeline", "timeline", limit: 4);
        var texts = timeline.Select(t => (string)t["text"]!).ToList();
        Assert.Equal(texts.Distinct(), texts);
        Assert.Equal(Enumerable.Range(1, 8).Select(n => $"update {n}"), texts.Where(t => t.StartsWith("update ")));
        Assert.True(timeline.Count >= 15, $"{timeline.Count} timeline entries"); // opened + 6 alerts + 8 updates (+ what the outbox added)
        Assert.True(timelinePages >= 4);
        var at = timeline.Select(t => DateTimeOffset.Parse((string)t["at"]!)).ToList();
        Assert.Equal(at.Order(), at);

        var (alerts, alertPages) = await AllPagesAsync(host, $"/api/incidents/{id}/alerts", "alerts", limit: 3);
        Assert.Equal(7, alerts.Select(a => (string)a["fingerprint"]!).Distinct().Count());
        Assert.Equal(7, alerts.Count);
        Assert.Equal(3, alertPages);
        Assert.All(alerts, a => Assert.Equal("firing", (string?)a["status"]));
        Assert.Equal(Enumerable.Range(1, 6).Select(n => $"checkout-{n}"), alerts.Select(a => (string?)a["labels"]!["pod"]).OfType<string>().Order());

        var all = (await GetJson(host, $"/api/incidents/{id}/actions?limit=500"))["actions"]!.AsArray().Select(a => (string)a!["id"]!).ToList();
        var (actions, _) = await AllPagesAsync(host, $"/api/incidents/{id}/actions", "actions", limit: 2);
        var paged = actions.Select(a => (string)a["id"]!).ToList();
        Assert.Equal(paged.Distinct(), paged);
        Assert.Equal(all.Take(paged.Count), paged.Take(all.Count)); // the runner may add actions meanwhile: same order, none lost
        Assert.All(paged, a => Assert.DoesNotContain("|", a));

        // A cursor of one sub-resource is no cursor of another, nor of another incident.
        var firstTimeline = await GetJson(host, $"/api/incidents/{id}/timeline?limit=2");
        var cursor = Uri.EscapeDataString((string)firstTimeline["nextCursor"]!);
        await BadInputTests.AssertProblem(await host.Client.GetAsync($"/api/incidents/{id}/alerts?cursor={cursor}"), 422, "cursor", "timeline cursor on alerts");
        var other = await OpenAsync(host, "Search down", "search");
        await BadInputTests.AssertProblem(await host.Client.GetAsync($"/api/incidents/{other}/timeline?cursor={cursor}"), 422, "cursor", "cursor of another incident");
    }

    [Fact]
    public async Task Entries_appended_while_paging_come_on_a_later_page_and_none_twice()
    {
        await using var host = await QuietHostAsync();
        var id = await OpenAsync(host, "Search down", "search");
        for (var n = 1; n <= 4; n++)
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/status", Json($$"""{"actor":"alice","text":"before {{n}}"}"""))).StatusCode);

        var seen = new List<string>();
        var page = await GetJson(host, $"/api/incidents/{id}/timeline?limit=2");
        seen.AddRange(page["timeline"]!.AsArray().Select(t => (string)t!["text"]!));
        for (var n = 1; n <= 3; n++) // appended between pages
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/status", Json($$"""{"actor":"alice","text":"during {{n}}"}"""))).StatusCode);
        while ((string?)page["nextCursor"] is { } cursor)
        {
            page = await GetJson(host, $"/api/incidents/{id}/timeline?limit=2&cursor={Uri.EscapeDataString(cursor)}");
            seen.AddRange(page["timeline"]!.AsArray().Select(t => (string)t!["text"]!));
        }

        Assert.Equal(seen.Distinct(), seen);
        Assert.Equal(["before 1", "before 2", "before 3", "before 4", "during 1", "during 2", "during 3"],
            seen.Where(t => t.StartsWith("before") || t.StartsWith("during")));
    }

    [Fact]
    public async Task The_incident_has_an_etag_and_actions_honour_if_match()
    {
        await using var host = await QuietHostAsync();
        var id = await OpenAsync(host, "Search down", "search");
        var get = await host.Client.GetAsync($"/api/incidents/{id}");
        var etag = get.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag!.IsWeak);

        var ack = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/acknowledge") { Content = Json("""{"owner":"alice"}""") };
        ack.Headers.IfMatch.Add(etag);
        var acked = await host.Client.SendAsync(ack);
        Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
        Assert.NotNull(acked.Headers.ETag);
        Assert.NotEqual(etag, acked.Headers.ETag);
        Assert.Equal(acked.Headers.ETag, (await host.Client.GetAsync($"/api/incidents/{id}")).Headers.ETag);

        // The old ETag is stale now: 412, and the status update is not applied.
        var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/status") { Content = Json("""{"actor":"bob","text":"from a stale page"}""") };
        stale.Headers.IfMatch.Add(etag);
        await BadInputTests.AssertProblem(await host.Client.SendAsync(stale), 412, "If-Match", "stale If-Match");
        var incident = await GetJson(host, $"/api/incidents/{id}");
        Assert.Null(incident["statusUpdate"]);
        Assert.Equal(acked.Headers.ETag!.Tag, (await host.Client.GetAsync($"/api/incidents/{id}")).Headers.ETag!.Tag);

        // Malformed If-Match is a 400; "*" and no If-Match keep today's behaviour.
        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/mitigate") { Content = Json("""{"actor":"bob"}""") };
        malformed.Headers.TryAddWithoutValidation("If-Match", "no-quotes");
        await BadInputTests.AssertProblem(await host.Client.SendAsync(malformed), 400, "If-Match", "malformed If-Match");
        var any = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/status") { Content = Json("""{"actor":"bob","text":"any version"}""") };
        any.Headers.IfMatch.Add(EntityTagHeaderValue.Any);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(any)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/mitigate", Json("""{"actor":"bob"}"""))).StatusCode);
    }

    [Fact]
    public async Task Of_many_concurrent_actions_with_the_same_if_match_exactly_one_applies()
    {
        await using var host = await QuietHostAsync();
        var id = await OpenAsync(host, "Search down", "search");
        var etag = (await host.Client.GetAsync($"/api/incidents/{id}")).Headers.ETag!;

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(async n =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/status") { Content = Json($$"""{"actor":"p{{n}}","text":"update {{n}}"}""") };
            request.Headers.IfMatch.Add(etag);
            return (int)(await host.Client.SendAsync(request)).StatusCode;
        }));

        Assert.Equal(1, answers.Count(s => s == 200));
        Assert.Equal(11, answers.Count(s => s == 412));
        var timeline = (await AllPagesAsync(host, $"/api/incidents/{id}/timeline", "timeline", 100)).Items;
        Assert.Single(timeline, t => (string?)t["kind"] == "status");
    }

    [Fact]
    public async Task Background_work_recording_its_results_leaves_the_incident_ETag_and_If_Match_holds()
    {
        var folder = Path.Combine(Path.GetTempPath(), "ar-etag-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var host = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork,
                "AutoResponder:Teams:Enabled=true", "AutoResponder:StatusEmails:Enabled=true", "AutoResponder:Reminders:Enabled=false",
                "AutoResponder:Mail:ManagerRecipients:Default=managers@shop.example", $"AutoResponder:Graph:OutboxFolder={folder}");
            var id = await OpenAsync(host, "Search down", "search", "Sev1");
            var before = await host.Client.GetAsync($"/api/incidents/{id}");
            var etag = before.Headers.ETag!;
            var quiet = JsonNode.Parse(await before.Content.ReadAsStringAsync())!;
            Assert.Null(quiet["teams"]);
            Assert.Equal(0, (int)quiet["statusEmails"]!["sent"]!);

            // The outbox posts to Teams and sends the first manager email; each records what it did in its own state row.
            await host.Services.GetRequiredService<AutoResponder.Outbox.OutboxRunner>().RunAsync(id, default);

            var after = await host.Client.GetAsync($"/api/incidents/{id}");
            var settled = JsonNode.Parse(await after.Content.ReadAsStringAsync())!;
            Assert.NotNull(settled["teams"]);
            Assert.Equal(1, (int)settled["statusEmails"]!["sent"]!);
            Assert.Equal(0, (int)settled["actionCounts"]!["pending"]!);
            Assert.Equal(etag, after.Headers.ETag); // the ETag is the incident's own state: background results do not move it

            // So an If-Match taken before the background work still applies, once; then it is stale.
            var ack = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/acknowledge") { Content = Json("{}") };
            ack.Headers.IfMatch.Add(etag);
            var acknowledged = await host.Client.SendAsync(ack);
            Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
            Assert.NotEqual(etag, acknowledged.Headers.ETag);
            var again = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{id}/status") { Content = Json("""{"text":"late"}""") };
            again.Headers.IfMatch.Add(etag);
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await host.Client.SendAsync(again)).StatusCode);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Acknowledging_again_as_the_owner_changes_nothing_and_another_owner_takes_over()
    {
        await using var host = await QuietHostAsync();
        var id = await OpenAsync(host, "Double click", "checkout");
        var first = await host.Client.PostAsync($"/api/incidents/{id}/acknowledge", Json("""{"owner":"alice@shop.example"}"""));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var again = await host.Client.PostAsync($"/api/incidents/{id}/acknowledge", Json("""{"owner":"Alice@shop.example"}"""));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(first.Headers.ETag, again.Headers.ETag); // nothing written
        Assert.Equal("alice@shop.example", (string)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["owner"]!);
        async Task<List<string>> Entries() => [.. (await AllPagesAsync(host, $"/api/incidents/{id}/timeline", "timeline", 50)).Items
            .Where(e => (string)e["kind"]! == "acknowledged").Select(e => (string)e["text"]!)];
        Assert.Equal(["Acknowledged; owner alice@shop.example."], await Entries());

        var handOver = await host.Client.PostAsync($"/api/incidents/{id}/acknowledge", Json("""{"owner":"bob@shop.example"}"""));
        Assert.Equal(HttpStatusCode.OK, handOver.StatusCode);
        Assert.Equal(["Acknowledged; owner alice@shop.example.", "Ownership handed to bob@shop.example."], await Entries());
    }

    [Fact]
    public async Task A_status_update_with_an_eta_before_now_is_refused_naming_eta_and_stores_nothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        await using var host = await RunningHost.StartAsync(azurite, null, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            RunningHost.WithoutBackgroundWork(services);
        }, "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false", "AutoResponder:Reminders:Enabled=false");
        var id = await OpenAsync(host, "Search down", "search");
        var before = await host.Client.GetAsync($"/api/incidents/{id}");

        // 61 seconds before now: past the minute of clock skew.
        var past = await host.Client.PostAsync($"/api/incidents/{id}/status",
            Json("""{"text":"Index rebuilding","eta":"2026-11-26T11:58:59Z"}"""));

        var problem = await BadInputTests.AssertProblem(past, 422, "eta", "an ETA in the past");
        Assert.Contains("must not be in the past", (string)problem["detail"]!);
        var after = await host.Client.GetAsync($"/api/incidents/{id}");
        Assert.Equal(before.Headers.ETag, after.Headers.ETag); // nothing written
        Assert.Null((await GetJson(host, $"/api/incidents/{id}"))["statusUpdate"]);
        Assert.DoesNotContain((await AllPagesAsync(host, $"/api/incidents/{id}/timeline", "timeline", 50)).Items,
            e => (string)e["kind"]! == "status");

        // Within the minute of clock skew, and ahead of now: accepted.
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/status",
            Json("""{"text":"Index rebuilding","eta":"2026-11-26T11:59:30Z"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/status",
            Json("""{"text":"Index rebuilt","eta":"2026-11-26T14:00:00Z"}"""))).StatusCode);
        Assert.Equal("2026-11-26T14:00:00+00:00", (string?)(await GetJson(host, $"/api/incidents/{id}"))["statusUpdate"]!["eta"]);
    }

    [Fact]
    public async Task The_incident_resource_has_typed_summaries_and_no_bookkeeping()
    {
        await using var host = await RunningHost.StartAsync(azurite);
        var id = await OpenAsync(host, "Search down", "search", "Sev1");
        var eta = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().AddHours(3).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/status",
            Json($$"""{"text":"Index rebuilding","nextSteps":"Warm caches","eta":"{{eta}}"}"""))).StatusCode);

        var incident = (await GetJson(host, $"/api/incidents/{id}")).AsObject();

        Assert.Equal(id, (string?)incident["id"]);
        Assert.Equal("Sev1", (string?)incident["severity"]);
        Assert.Equal(1, (int)incident["alertCounts"]!["firing"]!);
        Assert.Equal(0, (int)incident["alertCounts"]!["resolved"]!);
        Assert.Equal(1, (int)incident["alertCounts"]!["total"]!);
        var status = incident["statusUpdate"]!;
        Assert.Equal("Index rebuilding", (string?)status["text"]);
        Assert.Equal("Warm caches", (string?)status["nextSteps"]);
        Assert.Equal(RunningHost.Responder, (string?)status["by"]);
        Assert.NotNull(status["at"]);
        Assert.NotNull(incident["updatedAt"]);
        Assert.NotNull(incident["statusEmails"]!["sent"]);
        Assert.Equal("none", (string?)incident["postmortem"]!["state"]);
        Assert.NotNull(incident["actionCounts"]!["pending"]);
        Assert.Equal(0, (int)incident["actionCounts"]!["failed"]!);
        Assert.Equal($"/api/incidents/{id}/timeline", (string?)incident["related"]!["timeline"]);
        foreach (var inlined in new[] { "timeline", "alerts", "actions", "effects" }) Assert.False(incident.ContainsKey(inlined), inlined);
        AssertNoInternalNames(incident);
        foreach (var sub in new[] { "timeline", "alerts", "actions" })
            AssertNoInternalNames(await GetJson(host, $"/api/incidents/{id}/{sub}"));
        AssertNoInternalNames(await GetJson(host, "/api/incidents"));
    }

    [Fact]
    public async Task The_postmortem_summary_follows_resolution_the_draft_and_the_link()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false", "AutoResponder:Mail:ManagerRecipients:Default=managers@shop.example");
        var id = await OpenAsync(host, "Search down", "search", "Sev2");
        Assert.Equal("none", (string?)(await GetJson(host, $"/api/incidents/{id}"))["postmortem"]!["state"]);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/resolve", Json("""{"actor":"alice"}"""))).StatusCode);
        var resolved = await SettledAsync(host, id);
        var postmortem = resolved["postmortem"]!;
        Assert.Equal("drafted", (string?)postmortem["state"]);
        Assert.Contains(postmortem["reminders"]!.AsArray(), r => (string?)r!["kind"] == "rca-draft" && (string?)r["status"] == "scheduled" && r["dueAt"] is not null);
        var actions = (await GetJson(host, $"/api/incidents/{id}/actions?limit=500"))["actions"]!.AsArray();
        Assert.Contains(actions, a => (string?)a!["kind"] == "status-email" && (string?)a["status"] == "done");
        Assert.Equal(actions.Count(a => (string?)a!["status"] == "failed"), (int)resolved["actionCounts"]!["failed"]!);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/api/incidents/{id}/postmortem", Json("""{"actor":"alice","link":"https://wiki.example/rca/1"}"""))).StatusCode);
        var completed = (await SettledAsync(host, id))["postmortem"]!;
        Assert.Equal("completed", (string?)completed["state"]);
        Assert.Equal("https://wiki.example/rca/1", (string?)completed["link"]);
        Assert.DoesNotContain(completed["reminders"]!.AsArray(), r => (string?)r!["status"] == "scheduled");
    }

    /// <summary>The incident once the host's outbox runner has done everything it owes (polls; the runner is real).</summary>
    private static async Task<JsonNode> SettledAsync(RunningHost host, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            var incident = await GetJson(host, $"/api/incidents/{id}");
            if ((int)incident["actionCounts"]!["pending"]! == 0) return incident;
            Assert.True(attempt < 300, $"the outbox did not settle: {incident["actionCounts"]}");
            await Task.Delay(100);
        }
    }

    internal static void AssertNoInternalNames(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o)
                {
                    Assert.DoesNotContain(name, InternalNames, StringComparer.OrdinalIgnoreCase);
                    AssertNoInternalNames(value, $"{path}.{name}");
                }
                break;
            case JsonArray a:
                foreach (var item in a) AssertNoInternalNames(item, $"{path}[]");
                break;
            case JsonValue v when v.TryGetValue<string>(out var text):
                Assert.False(text.StartsWith("tl|") || text.StartsWith("ob|") || text.StartsWith("al|") || text.Contains(".reply.tl|"), $"{path} holds a row key: {text}");
                break;
        }
    }
}
