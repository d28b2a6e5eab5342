using AutoResponder.Outbox;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Outbox;

/// <summary>Every minute: runs outbox actions whose queue signal was lost.</summary>
public sealed class SweepOutbox(OutboxSweeper sweeper)
{
    [Function(nameof(SweepOutbox))]
    public Task Run([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken ct) => sweeper.SweepAsync(ct);
}
