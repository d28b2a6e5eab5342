using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

public enum OutboxStatus { Pending, Running, Done, Failed }

/// <summary>
/// A side effect the incident owes (a Teams post, an email, an export …), stored in the incident's
/// partition in the same transaction as the change that owes it. Its RowKey (<see cref="IncidentRows.Outbox"/>) keeps
/// them in the order they were owed. Run by the outbox (src/Shared/Outbox).
/// </summary>
public sealed class OutboxAction : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = "";
    /// <summary>Handler-specific JSON.</summary>
    public string Payload { get; set; } = "{}";
    public string StatusName { get; set; } = nameof(OutboxStatus.Pending);
    public int Attempts { get; set; }
    /// <summary>Retries caused by a dependency outage (Outbox/DependencyOutage): they spend no attempts.</summary>
    public int Outages { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>
    /// Set on an action owed for later (an escalation's next level): it does not run before this time, and until then
    /// it does not hold back the actions owed after it in its lane (it waits for its time, not for them).
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
    public string Id => IncidentRows.OutboxId(RowKey);

    [IgnoreDataMember]
    public OutboxStatus Status
    {
        get => Enum.Parse<OutboxStatus>(StatusName);
        set => StatusName = value.ToString();
    }

    public static OutboxAction Create(string incidentId, string kind, string payload, DateTimeOffset now) => new()
    {
        PartitionKey = incidentId,
        RowKey = IncidentRows.Outbox(now, 0),
        Kind = kind,
        Payload = payload,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    /// <summary>An action owed now that must not run before <paramref name="dueAt"/>.</summary>
    public static OutboxAction Scheduled(string incidentId, string kind, string payload, DateTimeOffset now,
        DateTimeOffset dueAt)
    {
        var action = Create(incidentId, kind, payload, now);
        action.DueAt = dueAt;
        action.NextAttemptAt = dueAt > now ? dueAt : now;
        return action;
    }

    /// <summary>Owed for a later time and not yet due: waits without holding back its lane.</summary>
    public bool WaitsForItsTime(DateTimeOffset now)
        => DueAt is { } due && due > now && Attempts == 0 && Outages == 0 && Status == OutboxStatus.Pending;
}
