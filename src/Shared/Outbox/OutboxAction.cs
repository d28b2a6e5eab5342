using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using AutoResponder.Storage;

namespace AutoResponder.Outbox;

public enum OutboxStatus { Pending, Running, Done, Failed }

/// <summary>
/// A side effect the incident owes (a Teams post, an email, an export …), stored in the incident's
/// partition in the same transaction as the change that owes it. RowKey "ob|{ticks}|{unique}" keeps
/// them in the order they were owed.
/// </summary>
public sealed class OutboxAction : ITableEntity
{
    public const string Prefix = "ob|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = "";
    /// <summary>Handler-specific JSON.</summary>
    public string Payload { get; set; } = "{}";
    public string StatusName { get; set; } = nameof(OutboxStatus.Pending);
    public int Attempts { get; set; }
    /// <summary>Retries caused by a dependency outage (<see cref="DependencyOutage"/>): they spend no attempts.</summary>
    public int Outages { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>
    /// Set on an action owed for later (an escalation's next level): it does not run before this time, and until then it
    /// does not hold back the actions owed after it in its lane (it waits for its time, not for them).
    /// </summary>
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? LastError { get; set; }
    /// <summary>What the handler recorded (message id, blob name …), shown on the incident.</summary>
    public string? Result { get; set; }

    [IgnoreDataMember]
    public string IncidentId => PartitionKey;

    [IgnoreDataMember]
    public string Id => RowKey[Prefix.Length..];

    [IgnoreDataMember]
    public OutboxStatus Status
    {
        get => Enum.Parse<OutboxStatus>(StatusName);
        set => StatusName = value.ToString();
    }

    /// <summary>RowKey "ob|{ticks}|{sequence}|{unique}": time order, then the order within one change.</summary>
    public static string KeyFor(DateTimeOffset at, int sequence) => $"{Prefix}{Keys.Ticks(at)}|{sequence:D3}|{Keys.Unique()}";

    public static OutboxAction Create(string incidentId, string kind, string payload, DateTimeOffset now) => new()
    {
        PartitionKey = incidentId,
        RowKey = KeyFor(now, 0),
        Kind = kind,
        Payload = payload,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    /// <summary>An action owed now that must not run before <paramref name="dueAt"/>.</summary>
    public static OutboxAction Scheduled(string incidentId, string kind, string payload, DateTimeOffset now, DateTimeOffset dueAt)
    {
        var action = Create(incidentId, kind, payload, now);
        action.DueAt = dueAt;
        action.NextAttemptAt = dueAt > now ? dueAt : now;
        return action;
    }

    /// <summary>Owed for a later time and not yet due: waits without holding back its lane.</summary>
    public bool WaitsForItsTime(DateTimeOffset now) => DueAt is { } due && due > now && Attempts == 0 && Outages == 0 && Status == OutboxStatus.Pending;
}
