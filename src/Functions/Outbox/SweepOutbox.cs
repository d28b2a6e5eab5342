using AutoResponder.Outbox;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Outbox;

/// <summary>
/// Every minute by default (<c>AutoResponder:Outbox:SweepSchedule</c>): runs outbox actions whose queue signal was
/// lost.
/// </summary>
public sealed class SweepOutbox(OutboxSweeper sweeper)
{
    [Function(nameof(SweepOutbox))]
    public Task Run([TimerTrigger("%" + OutboxSweeper.ScheduleSetting + "%")] TimerInfo timer, CancellationToken ct) =>
        sweeper.SweepAsync(ct);
}
