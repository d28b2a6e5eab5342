using AutoResponder.Cli.Serve;
using AutoResponder.FunctionsHost;
using AutoResponder.Hosting;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AutoResponder.Tests.Serve;

/// <summary>The standalone host runs each scheduled job on the setting its Function timer resolves (%Setting%).</summary>
public sealed class ScheduledJobsTests
{
    private sealed class CountingJob(JobSchedule schedule) : IScheduledJob
    {
        public int Runs;
        public SemaphoreSlim Ran { get; } = new(0);
        public string Name => "counting";
        public JobSchedule Schedule => schedule;
        public Task RunAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            Ran.Release();
            return Task.CompletedTask;
        }
    }

    private static IConfiguration Settings(params (string Name, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Name, (string?)s.Value))).Build();

    [Fact]
    public async Task A_job_runs_at_each_occurrence_of_the_schedule_its_setting_names()
    {
        var start = new DateTimeOffset(2026, 3, 1, 8, 0, 5, TimeSpan.Zero);
        var time = new TimerWatchingClock(start);
        var job = new CountingJob(new JobSchedule("AutoResponder:Test:Schedule", "0 0 * * * *")); // default: hourly
        using var service = new ScheduledJobsService([job], Settings(("AutoResponder:Test:Schedule", "*/10 * * * * *")), time, NullLogger<ScheduledJobsService>.Instance);
        // The loop runs on its own thread: the clock moves only once it waits for the next occurrence.
        await await time.UntilWaitingAsync(() => service.StartAsync(default), TimeSpan.FromSeconds(5)); // until :10

        foreach (var due in new[] { 10, 20, 30 })
        {
            Assert.Equal(0, job.Ran.CurrentCount);
            // At :10 the job runs and waits 10 s for :20, and so on.
            await time.UntilWaitingAsync(() => time.SetUtcNow(start.AddSeconds(due - 5)), TimeSpan.FromSeconds(10));
            Assert.True(await job.Ran.WaitAsync(TimeSpan.FromSeconds(10)), $"no run at :{due}");
        }
        await service.StopAsync(default);
        Assert.Equal(3, job.Runs); // :10, :20, :30 — not at start, not twice
    }

    [Fact]
    public void A_schedule_setting_that_is_not_ncrontab_stops_start_up_naming_the_setting()
    {
        var job = new CountingJob(new JobSchedule("AutoResponder:Test:Schedule", "0 */1 * * * *"));
        var e = Assert.Throws<InvalidOperationException>(() =>
            new ScheduledJobsService([job], Settings(("AutoResponder:Test:Schedule", "every minute")), TimeProvider.System, NullLogger<ScheduledJobsService>.Instance));
        Assert.Contains("AutoResponder:Test:Schedule", e.Message);
    }

    [Fact]
    public void The_test_host_resolves_a_percent_schedule_from_the_app_settings_as_the_Functions_host_does()
    {
        var settings = new Dictionary<string, string> { ["AutoResponder__Outbox__SweepSchedule"] = "*/5 * * * * *" };
        Assert.Equal("*/5 * * * * *", TimerTriggers.Resolve("%AutoResponder:Outbox:SweepSchedule%", settings));
        Assert.Equal("0 */1 * * * *", TimerTriggers.Resolve("0 */1 * * * *", settings)); // a literal schedule stays
        Assert.Null(TimerTriggers.Resolve("%AutoResponder:Watch:Schedule%", settings));   // not set: the host fails indexing
    }

    [Fact]
    public void The_Function_apps_local_settings_hold_each_jobs_schedule_at_its_default()
    {
        var standalone = StandaloneHost.Build(["--AzureWebJobsStorage=UseDevelopmentStorage=true"], "http://127.0.0.1:0");
        var local = AppSettings.FromLocalSettings(Path.Combine(AzuriteFixture.RepoRoot(), "src", "Functions", "local.settings.example.json"));
        var jobs = standalone.Services.GetServices<IScheduledJob>().ToList();
        Assert.Equal(8, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(j.Schedule.Default, local.GetValueOrDefault(j.Schedule.AppSetting)));
    }
}
