using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Intake;

/// <summary>
/// Alert storms over real HTTP against the standalone host on Azurite: one outage whose every pod alerts lands in one
/// incident without a 5xx, across instances too, and an incident holds any number of alerts.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AlertStormTests(AzuriteFixture azurite)
{
    private static StringContent Generic(string run, int i, string status = "firing") => new(JsonSerializer.Serialize(new
    {
        title = $"Checkout pod not ready (pod-{i})",
        severity = "Sev2",
        service = $"{run}-checkout",
        dedupKey = $"{run}-pod-{i}",
        status,
        startsAt = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero),
    }), Encoding.UTF8, "application/json");

    private static async Task<List<OutboxAction>> ActionsAsync(StorageClients storage, string kind)
    {
        var list = new List<OutboxAction>();
        await foreach (var a in storage.IncidentTable.QueryAsync<OutboxAction>(a => a.Kind == kind)) list.Add(a);
        return list;
    }

    [Fact]
    public async Task Three_thousand_distinct_alerts_of_one_group_at_concurrency_16_land_in_one_incident_without_a_5xx()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false");
        var run = Guid.NewGuid().ToString("N")[..8];
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var incidents = new ConcurrentDictionary<string, int>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 3000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var response = await host.Client.PostAsync("/api/alerts", Generic(run, i), ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode != HttpStatusCode.Accepted) return;
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
            incidents.AddOrUpdate(body!["results"]![0]!["incidentId"]!.GetValue<string>(), 1, (_, n) => n + 1);
        });

        Assert.Equal(3000, statuses.Count(s => s == HttpStatusCode.Accepted));
        var id = Assert.Single(incidents.Keys);
        var store = host.Services.GetRequiredService<IncidentStore>();
        var incident = (await store.FindAsync(id, default))!;
        Assert.Equal((3000, 3000, 0), (incident.DistinctAlertCount, incident.FiringAlertCount, incident.ResolvedAlertCount));
        var states = await store.ReadAlertStatesAsync(id, default);
        Assert.Equal(3000, states.Count);
        Assert.All(states.Values, s => Assert.True(s.Firing));

        // More than 2,000 firing alerts is no limit: the incident keeps taking resolutions and new alerts.
        var resolved = await host.Client.PostAsync("/api/alerts", Generic(run, 7, "resolved"));
        var added = await host.Client.PostAsync("/api/alerts", Generic(run, 3000));
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (resolved.StatusCode, added.StatusCode));
        incident = (await store.FindAsync(id, default))!;
        Assert.Equal((3001, 3000, 1), (incident.DistinctAlertCount, incident.FiringAlertCount, incident.ResolvedAlertCount));
    }

    [Fact]
    public async Task Sixteen_simultaneous_first_alerts_of_one_group_on_two_instances_open_one_incident_with_one_Teams_post()
    {
        var graph = Directory.CreateTempSubdirectory("storm-graph");
        var prefix = "s" + Guid.NewGuid().ToString("N")[..10];
        string[] settings = [$"{StorageClients.PrefixSetting}={prefix}", $"AutoResponder:Graph:OutboxFolder={graph.FullName}"];
        await using var one = await RunningHost.StartAsync(azurite, null, settings);
        await using var two = await RunningHost.StartAsync(azurite, null, settings);
        var run = Guid.NewGuid().ToString("N")[..8];
        var start = new TaskCompletionSource();

        var sends = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var host = i % 2 == 0 ? one : two;
            using var response = await host.Client.PostAsync("/api/alerts", Generic(run, i));
            var body = await response.Content.ReadFromJsonAsync<JsonObject>();
            return (response.StatusCode, Id: body!["results"]?[0]?["incidentId"]?.GetValue<string>());
        })).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(sends);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        var id = Assert.Single(answers.Select(a => a.Id).Distinct());
        var incident = (await one.Services.GetRequiredService<IncidentStore>().FindAsync(id!, default))!;
        Assert.Equal(16, incident.DistinctAlertCount);
        var posts = await ActionsAsync(one.Storage, "teams.post");
        Assert.Equal(id, Assert.Single(posts).IncidentId);
        graph.Delete(recursive: true);
    }

    [Fact]
    public async Task An_Alertmanager_delivery_of_2000_alerts_is_answered_and_every_alert_is_stored()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false", "AutoResponder:MaxRequestBytes=8388608");
        var run = Guid.NewGuid().ToString("N")[..8];
        var alerts = new JsonArray(Enumerable.Range(0, 2000).Select(i => (JsonNode)new JsonObject
        {
            ["status"] = "firing",
            ["labels"] = new JsonObject { ["alertname"] = "PodNotReady", ["service"] = $"{run}-checkout", ["instance"] = $"10.0.{i / 250}.{i % 250}:8080", ["severity"] = "critical" },
            ["annotations"] = new JsonObject { ["summary"] = $"Pod {i} not ready" },
            ["startsAt"] = "2026-11-26T08:58:00Z",
            ["endsAt"] = "0001-01-01T00:00:00Z",
            ["fingerprint"] = $"{run}{i:x8}",
        }).ToArray());
        var payload = new JsonObject { ["version"] = "4", ["status"] = "firing", ["receiver"] = "autoresponder", ["groupKey"] = "{}:{alertname=\"PodNotReady\"}", ["alerts"] = alerts };

        using var response = await host.Client.PostAsync("/api/alerts", new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray();
        Assert.Equal(2000, results.Count);
        Assert.Equal(1, results.Count(r => r!["outcome"]!.GetValue<string>() == IngestOutcomes.Opened));
        Assert.Equal(1999, results.Count(r => r!["outcome"]!.GetValue<string>() == IngestOutcomes.Appended));
        var id = Assert.Single(results.Select(r => r!["incidentId"]!.GetValue<string>()).Distinct());
        var store = host.Services.GetRequiredService<IncidentStore>();
        Assert.Equal(2000, (await store.FindAsync(id, default))!.DistinctAlertCount);
        Assert.Equal(2000, (await store.ReadAlertStatesAsync(id, default)).Count);

        // The same delivery again (Alertmanager retries a timed-out POST): every alert is a duplicate, nothing doubles.
        using var again = await host.Client.PostAsync("/api/alerts", new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"));
        var repeated = (await again.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray();
        Assert.All(repeated, r => Assert.Equal(IngestOutcomes.Duplicate, r!["outcome"]!.GetValue<string>()));
        Assert.Equal(2000, (await store.FindAsync(id, default))!.DistinctAlertCount);
    }

    [Theory]
    [InlineData("status", "{\"text\":\"Rolling back\",\"actor\":\"ana\"}")]
    [InlineData("acknowledge", "{\"owner\":\"ana{i}\"}")] // each a hand-over: acknowledging as the owner again changes nothing
    public async Task Fifty_parallel_actions_on_one_incident_never_answer_500(string action, string body)
    {
        await using var one = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false");
        var prefix = one.Storage.Prefix;
        await using var two = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false", $"{StorageClients.PrefixSetting}={prefix}");
        var run = Guid.NewGuid().ToString("N")[..8];
        var opened = await (await one.Client.PostAsync("/api/alerts", Generic(run, 0))).Content.ReadFromJsonAsync<JsonObject>();
        var id = opened!["results"]![0]!["incidentId"]!.GetValue<string>();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            // Half the calls go to each instance, and alerts keep arriving meanwhile: the row is contended from all sides.
            var host = i % 2 == 0 ? one : two;
            if (i % 5 == 0) await host.Client.PostAsync("/api/alerts", Generic(run, 100 + i));
            using var response = await host.Client.PostAsync($"/api/incidents/{id}/{action}", new StringContent(body.Replace("{i}", $"{i}"), Encoding.UTF8, "application/json"));
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta);
        })));

        Assert.DoesNotContain(responses, r => (int)r.StatusCode >= 500 && r.StatusCode != HttpStatusCode.ServiceUnavailable);
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable), r => Assert.NotNull(r.RetryAfter));
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) >= 25, string.Join(", ", responses.Select(r => r.StatusCode)));
        var kind = action == "status" ? TimelineKinds.StatusUpdate : TimelineKinds.Acknowledged;
        var details = (await one.Services.GetRequiredService<IncidentStore>().GetDetailsAsync(id, default))!;
        Assert.Equal(responses.Count(r => r.StatusCode == HttpStatusCode.OK), details.Timeline.Count(t => t.Kind == kind));
    }
}

