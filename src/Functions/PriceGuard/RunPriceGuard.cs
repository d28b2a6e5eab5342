using AutoResponder.PriceGuard;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.PriceGuard;

/// <summary>
/// Every minute by default (<c>AutoResponder:PriceGuard:Schedule</c>): checks the orders created since the price
/// guard's checkpoint against the catalog.
/// </summary>
public sealed class RunPriceGuard(PriceGuardJob job)
{
    [Function(nameof(RunPriceGuard))]
    public Task Run([TimerTrigger("%" + PriceGuardJob.ScheduleSetting + "%")] TimerInfo timer, CancellationToken ct) =>
        job.RunAsync(ct);
}
