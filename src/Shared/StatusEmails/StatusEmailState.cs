using AutoResponder.Incidents;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The status emails of one incident (row <c>state|status-emails</c>): how many went out, when the last one did, the
/// cadence slot it covered (the idempotency key of slot emails) and the resolution whose final email was sent.
/// </summary>
internal sealed class StatusEmailState : IncidentState
{
    public const string Key = Prefix + "status-emails";

    public StatusEmailState() => RowKey = Key;

    public int Sent { get; set; }
    public DateTimeOffset? LastSentAt { get; set; }
    /// <summary>Number of the last cadence slot emailed (slot 0 is the first email).</summary>
    public long? LastSlot { get; set; }
    /// <summary>Start of that slot: a slot email whose start is not after it was sent already.</summary>
    public DateTimeOffset? LastSlotAt { get; set; }
    /// <summary>ResolvedAt of the resolution whose final email was sent (one per resolution).</summary>
    public DateTimeOffset? FinalFor { get; set; }
}
