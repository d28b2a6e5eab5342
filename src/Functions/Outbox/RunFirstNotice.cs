using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Outbox;

/// <summary>
/// Runs a new incident's first notice when the first-notice queue signals it: a queue of its own, so the scale
/// controller sees its length apart from the follow-ups' and a storm of follow-up work never queues ahead of it.
/// </summary>
public sealed class RunFirstNotice(OutboxRunner runner)
{
    [Function(nameof(RunFirstNotice))]
    public Task Run([QueueTrigger(StorageClients.FirstNoticeQueue,
        Connection = StorageClients.SettingName)] string message, CancellationToken ct) =>
        runner.RunAsync(OutboxMessage.Parse(message).IncidentId, SignalLane.FirstNotice, ct);
}
