using AutoResponder.Incidents;

namespace AutoResponder.Outbox;

/// <summary>
/// What a commit that owes actions does afterwards: signal each lane they belong to (first notice, follow-up).
/// </summary>
internal sealed class OwedActionsSignal(IOutboxSignal signal, OutboxLanes lanes) : IOwedActionsSignal
{
    public Task OwedAsync(IncidentRecord incident, IEnumerable<string> kinds, CancellationToken ct) =>
        signal.SignalOwedAsync(lanes, OutboxMessage.For(incident), kinds, TimeSpan.Zero, ct);
}
