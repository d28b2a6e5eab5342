using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Outbox;

/// <summary>Runs an incident's due follow-up work (and anything else due) when the outbox queue signals it.</summary>
public sealed class RunOutbox(OutboxRunner runner)
{
    [Function(nameof(RunOutbox))]
    public Task Run([QueueTrigger(StorageClients.OutboxQueue, Connection = StorageClients.SettingName)] string message,
        CancellationToken ct) =>
        runner.RunAsync(OutboxMessage.Parse(message).IncidentId, SignalLane.FollowUp, ct);
}
