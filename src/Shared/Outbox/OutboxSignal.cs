using System.Text.Json;
using AutoResponder.Incidents;
using AutoResponder.Storage;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Outbox;

/// <summary>
/// Which queue wakes the runner for an action. A <see cref="FirstNotice"/> (the first post of a new incident) has a
/// queue, a trigger and workers of its own, so a storm of follow-up work (impact snapshots, exports, status e-mails,
/// reminders, replies) never delays one; a <see cref="FollowUp"/> run does everything else (and a first notice whose
/// own signal was lost). The outbox lanes within an incident (<see cref="OutboxKind.Lane"/>) are unchanged.
/// </summary>
public enum SignalLane { FirstNotice, FollowUp }

/// <summary>
/// Which queue signals each kind of this deployment: the first notices its features declared
/// (<see cref="OutboxKind.Signal"/>) have their own.
/// </summary>
public sealed class OutboxLanes(IEnumerable<OutboxKind> kinds)
{
    private readonly HashSet<string> _firstNotices = kinds.Where(k => k.Signal == SignalLane.FirstNotice)
        .Select(k => k.Name).ToHashSet(StringComparer.Ordinal);

    public bool IsFirstNotice(string kind) => _firstNotices.Contains(kind);

    public SignalLane LaneOf(string kind) => IsFirstNotice(kind) ? SignalLane.FirstNotice : SignalLane.FollowUp;
}

/// <summary>
/// Wakes the outbox runner for an incident. Best effort: the sweep catches whatever a lost signal misses.
/// </summary>
public interface IOutboxSignal
{
    Task TrySignalAsync(OutboxMessage message, SignalLane lane, TimeSpan delay, CancellationToken ct);
}

/// <summary>
/// The queue message the runner consumes (base64 JSON, as the Functions queue trigger expects). <see cref="Severity"/>
/// (0 = Sev0 … 4 = Sev4) lets the standalone host take first notices most severe first.
/// </summary>
public sealed record OutboxMessage(string IncidentId, int Severity = 4)
{
    public static OutboxMessage For(IncidentRecord incident) => new(incident.Id, (int)incident.Severity);

    public static OutboxMessage Parse(string json) =>
        JsonSerializer.Deserialize<OutboxMessage>(json, JsonSerializerOptions.Web) is { IncidentId.Length: > 0 } m
            ? m
            : throw new FormatException("Outbox message has no incidentId.");

    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
}

internal static class OutboxSignals
{
    /// <summary>
    /// Signals each lane that one of <paramref name="kinds"/> belongs to (a new incident owes both: its first post and
    /// its follow-ups).
    /// </summary>
    public static async Task SignalOwedAsync(this IOutboxSignal signal, OutboxLanes lanes, OutboxMessage message,
        IEnumerable<string> kinds, TimeSpan delay, CancellationToken ct)
    {
        foreach (var lane in kinds.Select(lanes.LaneOf).Distinct().Order())
            await signal.TrySignalAsync(message, lane, delay, ct);
    }
}

internal sealed class QueueOutboxSignal(StorageClients storage, OutboxNudges nudges, ILogger<QueueOutboxSignal> log)
    : IOutboxSignal
{
    /// <summary>
    /// How long the signal stays hidden: <paramref name="delay"/> rounded up to whole seconds, the queue's unit (the
    /// SDK rounds down). A signal that came up to a second early found its action not yet due and was spent, leaving it
    /// to the minute sweep: a storm e-mail or a timed status e-mail went out up to a minute late.
    /// </summary>
    internal static TimeSpan? Visibility(TimeSpan delay)
        => delay > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds)) : null;

    public async Task TrySignalAsync(OutboxMessage message, SignalLane lane, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            var queue = lane == SignalLane.FirstNotice ? storage.FirstNotices : storage.Outbox;
            await queue.SendMessageAsync(message.ToJson(), visibilityTimeout: Visibility(delay), cancellationToken: ct);
            if (delay <= TimeSpan.Zero) nudges.Nudge(lane);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Could not signal the outbox ({Lane}) for {IncidentId}; the sweep will pick it up", lane,
                message.IncidentId);
        }
    }
}

/// <summary>
/// Wakes this process's own queue pump the moment it signals a lane (the standalone host), instead of at its next
/// poll of the queue; other instances still find the message by polling. The Function app has no pump: unused there.
/// </summary>
public sealed class OutboxNudges
{
    private readonly TaskCompletionSource[] _next = [NewSource(), NewSource()];

    /// <summary>Completes at the next signal of <paramref name="lane"/> sent by this process.</summary>
    public Task Next(SignalLane lane) => Volatile.Read(ref _next[(int)lane]).Task;

    public void Nudge(SignalLane lane) => Interlocked.Exchange(ref _next[(int)lane], NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
