using AutoResponder.Hosting;
using Cronos;

namespace AutoResponder.Cli.Serve;

/// <summary>
/// The standalone host's stand-in for the TimerTrigger functions: runs every <see cref="IScheduledJob"/> on its
/// schedule, read from the same setting the Function's timer resolves (<see cref="JobSchedule"/>). A schedule that does
/// not parse stops start-up, naming the setting.
/// </summary>
internal sealed class ScheduledJobsService(
    IEnumerable<IScheduledJob> jobs, IConfiguration configuration, TimeProvider time, ILogger<ScheduledJobsService> log) : BackgroundService
{
    private readonly List<(IScheduledJob Job, CronExpression Schedule)> _jobs =
        jobs.Select(j => (j, j.Schedule.Read(configuration))).ToList();
    private readonly DateTimeOffset _started = time.GetUtcNow();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_jobs.Select(j => RunForeverAsync(j.Job, j.Schedule, stoppingToken)));

    private async Task RunForeverAsync(IScheduledJob job, CronExpression schedule, CancellationToken stoppingToken)
    {
        try
        {
            var from = _started;
            while (schedule.GetNextOccurrence(from, TimeZoneInfo.Utc) is { } next)
            {
                var wait = next - time.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, stoppingToken);
                try { await job.RunAsync(stoppingToken); }
                // A timeout surfaces as an OperationCanceledException too: only the host stopping ends the loop.
                catch (Exception e) when (!stoppingToken.IsCancellationRequested) { log.LogError(e, "Scheduled job {Job} failed", job.Name); }
                // Each occurrence runs once. A run that took past the following occurrence does not queue up the ones
                // it missed.
                var now = time.GetUtcNow();
                from = schedule.GetNextOccurrence(next, TimeZoneInfo.Utc) is { } following && following >= now
                    ? next : now;
            }
        }
        catch (OperationCanceledException) { }
    }
}
