using AutoResponder.Incidents;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The status emails of one incident (row <c>state|status-emails</c>): how many went out, when the last one did, the
/// cadence slot it covered (the idempotency key of slot emails) and the resolution whose final email was sent.
/// <see cref="Sent"/> and <see cref="LastSentAt"/> count e-mails that went: one listed in a storm e-mail counts when
/// that storm e-mail is sent (<see cref="CountStorm"/>), not when it is listed.
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
    /// <summary>The storm e-mail window listing this incident's e-mail that has not gone yet (null: none).</summary>
    public string? StormListedIn { get; set; }
    /// <summary>The latest storm e-mail window counted in <see cref="Sent"/>: never counted twice.</summary>
    public string? StormCountedIn { get; set; }

    private bool Counted(string window) =>
        StormCountedIn is { } counted && StormEmails.MinuteOf(counted) >= StormEmails.MinuteOf(window);

    /// <summary>
    /// The e-mail is listed in the storm e-mail of <paramref name="window"/>: counted when that goes, or at once when it
    /// went already (<paramref name="sentAt"/>: a retried listing found its window sent), unless it was counted already.
    /// </summary>
    public void ListedIn(string window, DateTimeOffset? sentAt)
    {
        if (Counted(window)) return;
        if (sentAt is { } at) CountStorm(window, at);
        else StormListedIn = window;
    }

    /// <summary>
    /// The storm e-mail of <paramref name="window"/>, which lists this incident, went at <paramref name="at"/>: one
    /// e-mail more, once per window (false: counted already, nothing to write).
    /// </summary>
    public bool CountStorm(string window, DateTimeOffset at)
    {
        if (Counted(window)) return false;
        Sent++;
        if (LastSentAt is null || LastSentAt < at) LastSentAt = at;
        StormCountedIn = window;
        if (StormListedIn is { } listed && StormEmails.MinuteOf(listed) <= StormEmails.MinuteOf(window))
            StormListedIn = null;
        return true;
    }
}
