using AutoResponder.Outbox;

namespace AutoResponder.StatusEmails;

/// <summary>
/// Outbox kinds of the status e-mails (what they keep about an incident is <see cref="StatusEmailState"/>).
/// </summary>
internal static class StatusEmailOutbox
{
    /// <summary>One status e-mail: a cadence slot, the first one, or the final one.</summary>
    public static readonly OutboxKind<StatusEmailPayload> Email =
        OutboxKind.Declare<StatusEmailPayload, StatusEmailHandler>("status-email");

    /// <summary>
    /// Puts the incident's next cadence slot into the due index (on open, reopen and severity change).
    /// </summary>
    public static readonly OutboxKind<NoPayload> Schedule =
        OutboxKind.Declare<NoPayload, StatusEmailScheduleHandler>("status-email.schedule");

    /// <summary>
    /// One e-mail listing a storm's digested incidents for one set of recipients and one minute
    /// (<see cref="StormEmails"/>).
    /// </summary>
    public static readonly OutboxKind<StormEmailPayload> Storm =
        OutboxKind.Declare<StormEmailPayload, StormEmailHandler>("status-email.storm");

    public static readonly IReadOnlyList<OutboxKind> All = [Email, Schedule, Storm];
}
