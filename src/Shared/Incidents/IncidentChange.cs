using Azure.Data.Tables;
using AutoResponder.Outbox;

namespace AutoResponder.Incidents;

/// <summary>
/// One unit of work on one incident partition: the incident row (new, or updated under its ETag),
/// the timeline entries it adds, alert rows, an optional occurrence marker (redelivery guard) and
/// the outbox actions owed, and features' state rows. <see cref="IncidentStore.CommitAsync"/> writes it in one transaction.
/// </summary>
public sealed class IncidentChange(IncidentRecord incident, bool isNew)
{
    public IncidentRecord Incident { get; } = incident;
    public bool IsNew { get; } = isNew;
    public List<TimelineEntry> Entries { get; } = [];
    public List<ITableEntity> Upserts { get; } = [];
    public List<OutboxAction> Actions { get; } = [];
    /// <summary>Features' typed state rows, written under the ETag they were read with (Add when new): see <see cref="IncidentStates"/>.</summary>
    public List<IncidentState> States { get; } = [];
    /// <summary>True when only rows beside the incident change (the incident row itself is left as it is).</summary>
    public bool LeaveIncidentRow { get; init; }
    /// <summary>RowKeys of marker rows that must not exist yet; an existing one means that exact delivery was seen.</summary>
    public List<string> Occurrences { get; } = [];
    /// <summary>Set by <see cref="IncidentStore.Prepare"/> once the effects have planned the outbox actions.</summary>
    internal bool Planned { get; set; }

    public TimelineEntry Add(DateTimeOffset at, string kind, string actor, string text)
    {
        var entry = TimelineEntry.Create(Incident.Id, at, kind, actor, text);
        Entries.Add(entry);
        return entry;
    }
}

/// <summary>The incident row changed (412) or already exists (409) — reread and try again.</summary>
public sealed class IncidentConcurrencyException(string incidentId) : Exception($"Incident {incidentId} changed concurrently.");

/// <summary>The occurrence marker already exists: this exact alert delivery was processed before.</summary>
public sealed class DuplicateDeliveryException(string incidentId, string occurrenceRowKey) : Exception($"Delivery already recorded on {incidentId}.")
{
    public string IncidentId { get; } = incidentId;
    public string OccurrenceRowKey { get; } = occurrenceRowKey;
}

/// <summary>
/// The incident kept changing under this writer (other instances won the race every time, a bounded number
/// of tries): the caller answers 503 with Retry-After instead of failing.
/// </summary>
public sealed class IncidentBusyException(string incidentId) : Exception($"Incident {incidentId} is busy; retry shortly.")
{
    public string IncidentId { get; } = incidentId;
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);
}
