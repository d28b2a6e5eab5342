using System.Net;
using System.Text;
using AutoResponder.Incidents;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AutoResponder.Tests.Serve;

/// <summary>
/// A host that lands in a state it cannot leave (an assembly that failed to load stays failed for the process) answers
/// 503 with Retry-After, not 500, says why on /api/health, and stops so its supervisor starts a fresh process.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class UnrecoverableFaultTests(AzuriteFixture azurite)
{
    /// <summary>Fails the way a storage call did when no file handle was left to load an assembly with.</summary>
    private sealed class AssemblyThatWillNotLoad : IIncidentEffect
    {
        public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry) =>
            throw new FileNotFoundException("Could not load file or assembly 'Azure.Data.Tables, Version=12.11.0.0'. Too many open files",
                "Azure.Data.Tables, Version=12.11.0.0, Culture=neutral, PublicKeyToken=92742159e12e44c8");
    }

    [Fact]
    public async Task An_unrecoverable_fault_answers_503_says_so_on_health_and_stops_the_host()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, services => services.AddSingleton<IIncidentEffect, AssemblyThatWillNotLoad>(),
            "AutoResponder:Teams:Enabled=false");
        var stopping = new TaskCompletionSource();
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());

        using var alert = await host.Client.PostAsync("/api/alerts",
            new StringContent("""{"title":"Disk full","service":"files","severity":"Sev3","status":"firing"}""", Encoding.UTF8, "application/json"));
        using var health = await host.Client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, alert.StatusCode);
        Assert.True(alert.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var report = await health.Content.ReadAsStringAsync();
        Assert.Contains("\"host\"", report);
        Assert.Contains("FileNotFoundException", report);
        // The host stops (`serve` then exits non-zero); bounded wait for the short stop delay.
        Assert.Same(stopping.Task, await Task.WhenAny(stopping.Task, Task.Delay(TimeSpan.FromSeconds(15))));
    }
}
