using AutoResponder.Hosting;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.Cli.Serve;

/// <summary>The standalone host's stand-in for the SweepOutbox timer function.</summary>
public sealed class OutboxSweepTimer(OutboxSweeper sweeper, IOptions<AutoResponderOptions> options, TimeProvider time, ILogger<OutboxSweepTimer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Outbox.SweepSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await sweeper.SweepAsync(stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException) { log.LogError(e, "Outbox sweep failed"); }
            }
        }
        catch (OperationCanceledException) { }
    }
}
