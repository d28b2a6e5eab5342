using AutoResponder.Switches;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Switches;

/// <summary>
/// Every five minutes by default (<c>AutoResponder:Switches:NudgeSchedule</c>): nudges the owner about switches left on
/// an hour after resolution.
/// </summary>
public sealed class NudgeSwitches(SwitchNudgeJob job)
{
    [Function(nameof(NudgeSwitches))]
    public Task Run([TimerTrigger("%" + SwitchNudgeJob.ScheduleSetting + "%")] TimerInfo timer, CancellationToken ct) =>
        job.RunAsync(ct);
}
