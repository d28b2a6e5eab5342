using AutoResponder.Hosting;

namespace AutoResponder.Cli.Serve;

/// <summary>The standalone host's stand-in for the TimerTrigger functions: runs every <see cref="IScheduledJob"/> on its interval.</summary>
public sealed class ScheduledJobsService(IEnumerable<IScheduledJob> jobs, TimeProvider time, ILogger<ScheduledJobsService> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(jobs.Select(job => RunForeverAsync(job, stoppingToken)));

    private async Task RunForeverAsync(IScheduledJob job, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(job.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await job.RunAsync(stoppingToken); }
                // A timeout surfaces as an OperationCanceledException too: only the host stopping ends the loop.
                catch (Exception e) when (!stoppingToken.IsCancellationRequested) { log.LogError(e, "Scheduled job {Job} failed", job.Name); }
            }
        }
        catch (OperationCanceledException) { }
    }
}
