using AutoResponder.PriceGuard;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.PriceGuard;

/// <summary>Every minute: checks the orders created since the price guard's checkpoint against the catalog.</summary>
public sealed class RunPriceGuard(PriceGuardJob job)
{
    [Function(nameof(RunPriceGuard))]
    public Task Run([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken ct) => job.RunAsync(ct);
}
