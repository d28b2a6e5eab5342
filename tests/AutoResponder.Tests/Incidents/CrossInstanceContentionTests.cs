using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AutoResponder.Incidents;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Incidents;

/// <summary>
/// A rival instance that wins every race: whenever host A is about to commit a status update, host B (another
/// instance over the same storage) changes the incident first, so A's commit under the row's ETag fails every time.
/// </summary>
internal sealed class RivalWinsEveryRace : IIncidentEffect
{
    public IServiceProvider? Rival { get; set; }
    public int Interventions;

    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        if (Rival is { } rival && entry.Kind == TimelineKinds.StatusUpdate && entry.Actor != "rival")
        {
            var n = Interventions++;
            // Plan runs after A read the row and before A's transaction: B's write lands in between.
            rival.GetRequiredService<IncidentService>().UpdateStatusAsync(incident.Id, $"rival update {n}", null, null, "rival", default).GetAwaiter().GetResult();
        }
        return [];
    }
}

/// <summary>Two hosts (instances) over the same Azurite and the same tables: a lost race is retried, then 503 + Retry-After — never 500.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CrossInstanceContentionTests(AzuriteFixture azurite)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(RunningHost A, RunningHost B)> TwoInstancesAsync(int conflictRetries, RivalWinsEveryRace? rival = null)
    {
        var shared = $"{AutoResponder.Storage.StorageClients.PrefixSetting}=x{Guid.NewGuid():N}"[..(AutoResponder.Storage.StorageClients.PrefixSetting.Length + 12)];
        string[] settings = [shared, $"AutoResponder:ConflictRetries={conflictRetries}",
            "AutoResponder:Teams:Enabled=false", "AutoResponder:StatusEmails:Enabled=false", "AutoResponder:Reminders:Enabled=false"];
        var a = await RunningHost.StartAsync(azurite, null, services =>
        {
            RunningHost.WithoutBackgroundWork(services);
            if (rival is not null) services.AddSingleton<IIncidentEffect>(rival);
        }, settings);
        var b = await RunningHost.StartAsync(azurite, null, RunningHost.WithoutBackgroundWork, settings);
        return (a, b);
    }

    private static async Task<string> OpenAsync(RunningHost host)
    {
        var response = await host.Client.PostAsync("/api/alerts", Json("""{"title":"Checkout down","severity":"Sev2","service":"checkout"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]![0]!["incidentId"]!;
    }

    private static async Task<List<JsonNode>> TimelineAsync(RunningHost host, string id) =>
        JsonNode.Parse(await host.Client.GetStringAsync($"/api/incidents/{id}/timeline?limit=500"))!["timeline"]!.AsArray().Select(t => t!).ToList();

    [Fact]
    public async Task When_another_instance_wins_every_race_the_action_answers_503_with_Retry_After_after_its_retries_and_stores_nothing()
    {
        var rival = new RivalWinsEveryRace();
        var (a, b) = await TwoInstancesAsync(conflictRetries: 3, rival);
        await using var _ = a;
        await using var __ = b;
        var id = await OpenAsync(b);
        Assert.Equal(HttpStatusCode.OK, (await a.Client.GetAsync($"/api/incidents/{id}")).StatusCode); // both instances see it

        rival.Rival = b.Services;
        var response = await a.Client.PostAsync($"/api/incidents/{id}/status", Json("""{"text":"Rolling back"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, rival.Interventions); // A reread and retried until its budget (3 lost races) was spent
        var timeline = await TimelineAsync(b, id);
        Assert.Equal(3, timeline.Count(t => ((string?)t["text"])!.StartsWith("rival update")));
        Assert.DoesNotContain(timeline, t => (string?)t["text"] == "Rolling back"); // nothing of A's failed action is stored

        // The sender's retry, once the rival is quiet, applies.
        rival.Rival = null;
        Assert.Equal(HttpStatusCode.OK, (await a.Client.PostAsync($"/api/incidents/{id}/status", Json("""{"text":"Rolling back"}"""))).StatusCode);
        Assert.Single(await TimelineAsync(b, id), t => (string?)t["text"] == "Rolling back");
    }

    [Fact]
    public async Task Parallel_actions_on_two_instances_with_a_tiny_retry_budget_answer_200_or_503_and_every_200_is_stored()
    {
        var (a, b) = await TwoInstancesAsync(conflictRetries: 1);
        await using var _ = a;
        await using var __ = b;
        var id = await OpenAsync(a);

        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(async n =>
        {
            var host = n % 2 == 0 ? a : b;
            var response = await host.Client.PostAsync($"/api/incidents/{id}/status", Json($$"""{"text":"update {{n}}"}"""));
            return (n, Status: (int)response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta);
        }));

        Assert.All(answers, x => Assert.True(x.Status is 200 or 503, $"update {x.n} answered {x.Status}"));
        Assert.All(answers.Where(x => x.Status == 503), x => Assert.Equal(TimeSpan.FromSeconds(2), x.RetryAfter));
        Assert.Contains(answers, x => x.Status == 200);
        var stored = (await TimelineAsync(a, id)).Where(t => (string?)t["kind"] == TimelineKinds.StatusUpdate).Select(t => (string)t["text"]!).ToHashSet();
        Assert.Equal(answers.Where(x => x.Status == 200).Select(x => $"update {x.n}").ToHashSet(), stored);
    }
}
