using AutoResponder.WebConsole;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.WebConsole;

/// <summary>Every hour: deletes console sessions past their expiry.</summary>
public sealed class SweepConsoleSessions(ConsoleSessionSweep sweep)
{
    [Function(nameof(SweepConsoleSessions))]
    public Task Run([TimerTrigger("0 0 * * * *")] TimerInfo timer, CancellationToken ct) => sweep.RunAsync(ct);
}
