using AutoResponder.Storage;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// One unit of work on one incident partition: the incident row (new, or updated under its ETag — or left as it is, see
/// <see cref="Beside(string)"/>), the timeline entries it adds, alert rows (each under the ETag it was read with),
/// optional marker rows that must not exist yet (a once-only guard), the outbox actions owed, and features' state rows.
/// <see cref="IncidentCommits.CommitAsync"/> plans the effects its entries owe and writes it in one transaction.
/// </summary>
public sealed class IncidentChange
{
    private IncidentRecord? _incident;

    /// <summary>A change of the incident row itself (with whatever rows beside it).</summary>
    public IncidentChange(IncidentRecord incident, bool isNew)
    {
        _incident = incident;
        IncidentId = incident.Id;
        IsNew = isNew;
    }

    private IncidentChange(string incidentId)
    {
        IncidentId = incidentId;
        LeaveIncidentRow = true;
    }

    /// <summary>
    /// A change of rows beside the incident row, which is left as it is (its ETag does not move). Timeline entries are
    /// planned against the incident as it is when committed (one point read).
    /// </summary>
    public static IncidentChange Beside(string incidentId) => new(incidentId);

    /// <summary>
    /// As <see cref="Beside(string)"/>, for a writer that has just read the incident (its entries are planned against
    /// it).
    /// </summary>
    public static IncidentChange Beside(IncidentRecord incident) => new(incident, isNew: false)
    {
        LeaveIncidentRow = true,
    };

    public string IncidentId { get; }

    /// <summary>
    /// The incident as this change leaves it. Not known for a change <see cref="Beside(string)"/> until it is
    /// committed.
    /// </summary>
    public IncidentRecord Incident
        => _incident ?? throw new InvalidOperationException(
            $"The change beside incident {IncidentId} has not read it.");

    internal bool KnowsIncident => _incident is not null;

    /// <summary>The incident a change beside it is planned against (read by the commit pipeline).</summary>
    internal void PlanAgainst(IncidentRecord incident) => _incident ??= incident;

    public bool IsNew { get; }
    public List<TimelineEntry> Entries { get; } = [];
    public List<ITableEntity> Upserts { get; } = [];
    /// <summary>
    /// Alert rows written under the ETag they carry (added when it is empty); two writes of one row keep the last.
    /// </summary>
    public List<AlertRecord> AlertRows { get; } = [];
    public List<OutboxAction> Actions { get; } = [];
    /// <summary>
    /// Features' typed state rows, written under the ETag they were read with (Add when new): see
    /// <see cref="IncidentStates"/>.
    /// </summary>
    public List<IncidentState> States { get; } = [];
    /// <summary>True when only rows beside the incident change (the incident row itself is left as it is).</summary>
    public bool LeaveIncidentRow { get; set; }
    /// <summary>
    /// RowKeys of marker rows that must not exist yet; an existing one means this was done before (e.g. a status email
    /// slot).
    /// </summary>
    public List<string> Occurrences { get; } = [];
    /// <summary>Set by <see cref="IncidentCommits.Plan"/> once the effects have planned the outbox actions.</summary>
    internal bool Planned { get; set; }

    public TimelineEntry Add(DateTimeOffset at, string kind, string actor, string text)
    {
        var entry = TimelineEntry.Create(IncidentId, at, kind, actor, text);
        Entries.Add(entry);
        return entry;
    }
}

/// <summary>
/// The incident row or an alert or state row changed (412) or already exists (409) — reread and try again.
/// </summary>
internal sealed class IncidentConcurrencyException(string incidentId)
    : Exception($"Incident {incidentId} changed concurrently.");

/// <summary>A marker row already exists: this was done before.</summary>
internal sealed class DuplicateDeliveryException(string incidentId, string occurrenceRowKey)
    : Exception($"Delivery already recorded on {incidentId}.")
{
    public string IncidentId { get; } = incidentId;
    public string OccurrenceRowKey { get; } = occurrenceRowKey;
}

/// <summary>
/// The incident kept changing under this writer (other instances won the race every time, a bounded number
/// of tries): the caller answers 503 with Retry-After instead of failing.
/// </summary>
internal sealed class IncidentBusyException(string incidentId)
    : BusyException($"Incident {incidentId} is busy; retry shortly.")
{
    public string IncidentId { get; } = incidentId;
    public override string Subject => $"Incident {IncidentId}";
}
