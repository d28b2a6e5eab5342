using AutoResponder.WebConsole;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.WebConsole;

/// <summary>
/// Every hour by default (<c>AutoResponder:Console:SessionSweepSchedule</c>): deletes console sessions past their
/// expiry.
/// </summary>
public sealed class SweepConsoleSessions(ConsoleSessionSweep sweep)
{
    [Function(nameof(SweepConsoleSessions))]
    public Task Run([TimerTrigger("%" + ConsoleSessionSweep.ScheduleSetting + "%")] TimerInfo timer,
        CancellationToken ct) =>
        sweep.RunAsync(ct);
}
