using AutoResponder.Incidents;

namespace AutoResponder.Outbox;

/// <summary>
/// What a handler sees: the action and the incident as it is now. What the feature recorded earlier is in its own state
/// rows (<see cref="IncidentStates"/>).
/// </summary>
public sealed record OutboxContext(OutboxAction Action, IncidentRecord Incident);

/// <summary>
/// What a handler reports. <see cref="State"/>: changes of the feature's own typed state rows (what it sent, when,
/// with which id), written in the same transaction that marks the action done — beside the incident row, never on
/// it — so a retry can check them before acting again. <see cref="TimelineText"/>, when set, adds a timeline entry
/// of <see cref="TimelineKind"/> — which other effects may react to (e.g. an impact snapshot → a Teams reply).
/// <see cref="Owes"/>: further actions this one owes (kind, payload), added in the same transaction;
/// <see cref="Later"/>: the same for actions that must not run before their due time (an escalation's next level).
/// </summary>
public sealed record OutboxOutcome(
    string? Result = null,
    string? TimelineText = null,
    string TimelineKind = TimelineKinds.ActionDone,
    IReadOnlyList<StateChange>? State = null,
    IReadOnlyList<(string Kind, string Payload)>? Owes = null,
    IReadOnlyList<(string Kind, string Payload, DateTimeOffset DueAt)>? Later = null)
{
    public static OutboxOutcome Done(string? result = null) => new(result);
}

/// <summary>
/// Carries out one kind of outbox action (the kind's declaration, <see cref="OutboxKind"/>, names its handler). Must be
/// idempotent: check what the feature recorded (its state rows) first.
/// </summary>
public interface IOutboxHandler
{
    Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A handler that knows the failure will not go away by retrying (bad configuration, 4xx): parks at once.
/// </summary>
internal sealed class PermanentOutboxException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A handler waiting on something only a person can fix (e.g. an expired Graph sign-in): retried with
/// backoff like any failure, but never parked, however many attempts it takes.
/// </summary>
internal sealed class OutboxWaitException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A dependency is throttling us and said for how long (e.g. a Teams channel paused by a 429's Retry-After): a
/// dependency outage, so the action comes back then, spending no attempt, instead of holding a worker while it waits.
/// </summary>
internal sealed class DependencyThrottledException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The handler of a kind whose integration is configured so that it cannot work (e.g. an App Configuration endpoint
/// that is not a URL): its actions wait, visibly and without spending attempts, until the setting is fixed and the app
/// restarted.
/// </summary>
internal sealed class NotConfiguredHandler(string area, string problem) : IOutboxHandler
{
    public Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken) =>
        throw new AutoResponder.Hosting.NotConfiguredException(area, $"{area} is not configured: {problem}");
}
