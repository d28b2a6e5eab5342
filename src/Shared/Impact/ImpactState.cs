using AutoResponder.Incidents;

namespace AutoResponder.Impact;

/// <summary>
/// The incident's latest recorded impact snapshot (row <c>state|impact</c>): which snapshot it is and its headline
/// numbers. The contract through which status emails, the postmortem draft and the API find the current impact (the
/// full snapshot is one point read away in the ImpactSnapshots table). Never a link to the export.
/// </summary>
public sealed class ImpactState : IncidentState
{
    public const string Key = Prefix + "impact";

    public ImpactState() => RowKey = Key;

    /// <summary>Sequence of the latest snapshot (its row in ImpactSnapshots); 0 when none was recorded.</summary>
    public int LatestSequence { get; set; }
    public string? LatestSnapshotId { get; set; }
    public DateTimeOffset? LatestTakenAt { get; set; }
    public long Orders { get; set; }
    public long NewOrders { get; set; }
    public int Snapshots { get; set; }
}
