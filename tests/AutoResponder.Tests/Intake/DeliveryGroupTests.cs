using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Incidents;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AutoResponder.Tests.Intake;

/// <summary>One Alertmanager delivery group (<c>groupKey</c>) is one incident, unless AutoResponder:Grouping:ByDeliveryGroup is off.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeliveryGroupTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    /// <summary>An Alertmanager webhook of <paramref name="count"/> alerts, each of its own service and rule, in one group.</summary>
    private static string Delivery(string run, int count, string groupKey) => new JsonObject
    {
        ["version"] = "4",
        ["status"] = "firing",
        ["receiver"] = "autoresponder",
        ["groupKey"] = groupKey,
        ["alerts"] = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
        {
            ["status"] = "firing",
            ["labels"] = new JsonObject { ["alertname"] = $"Rule{i}", ["service"] = $"{run}-svc{i}", ["severity"] = "critical" },
            ["annotations"] = new JsonObject { ["summary"] = $"Alert {i}" },
            ["startsAt"] = "2026-11-26T08:58:00Z",
            ["endsAt"] = "0001-01-01T00:00:00Z",
            ["fingerprint"] = $"{run}{i:x8}",
        }).ToArray()),
    }.ToJsonString();

    private static async Task<List<string>> IncidentIdsOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray().Select(r => r!["incidentId"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task A_delivery_of_2000_alerts_of_one_group_key_is_one_incident_with_every_alert()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false", "AutoResponder:MaxRequestBytes=8388608");
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = Delivery(run, 2000, $"{{}}/{{}}:{{cluster=\"{run}\"}}");

        var clock = Stopwatch.StartNew();
        using var response = await host.Client.PostAsync("/api/alerts", new StringContent(body, Encoding.UTF8, "application/json"));
        output.WriteLine($"2,000-alert delivery answered in {clock.Elapsed.TotalSeconds:F2} s"); // reported, not asserted

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = Assert.Single((await IncidentIdsOf(response)).Distinct());
        var store = host.Services.GetRequiredService<IncidentStore>();
        var details = (await store.GetDetailsAsync(id, default))!;
        Assert.Equal(2000, details.Incident.DistinctAlertCount);
        Assert.Equal(2000, details.Alerts.Count);
        Assert.Single(details.Timeline, t => t.Kind == TimelineKinds.Opened);
    }

    [Fact]
    public async Task With_the_setting_off_each_alert_is_grouped_by_its_fields()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false", "AutoResponder:Grouping:ByDeliveryGroup=false");
        var run = Guid.NewGuid().ToString("N")[..8];

        using var response = await host.Client.PostAsync("/api/alerts", new StringContent(Delivery(run, 3, "{}:{}"), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, (await IncidentIdsOf(response)).Distinct().Count()); // three services and rules: three incidents
    }

    [Fact]
    public async Task Two_groups_of_the_same_service_and_rule_are_two_incidents()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Teams:Enabled=false");
        var run = Guid.NewGuid().ToString("N")[..8];

        using var first = await host.Client.PostAsync("/api/alerts", new StringContent(Delivery(run, 1, "{}:{zone=\"a\"}"), Encoding.UTF8, "application/json"));
        using var second = await host.Client.PostAsync("/api/alerts", new StringContent(Delivery(run + "b", 1, "{}:{zone=\"b\"}").Replace(run + "b-svc0", run + "-svc0"), Encoding.UTF8, "application/json"));

        Assert.NotEqual(Assert.Single(await IncidentIdsOf(first)), Assert.Single(await IncidentIdsOf(second)));
    }
}
