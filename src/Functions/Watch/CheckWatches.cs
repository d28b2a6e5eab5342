using AutoResponder.Watch;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Watch;

/// <summary>
/// Every minute by default (<c>AutoResponder:Watch:Schedule</c>): runs the impact rules of watched incidents on their
/// new orders.
/// </summary>
public sealed class CheckWatches(WatchJob job)
{
    [Function(nameof(CheckWatches))]
    public Task Run([TimerTrigger("%" + WatchJob.ScheduleSetting + "%")] TimerInfo timer, CancellationToken ct) =>
        job.RunAsync(ct);
}
