using AutoResponder.Outbox;

namespace AutoResponder.Reminders;

/// <summary>
/// Outbox kinds of the RCA follow-up: the postmortem draft and the reminders (what they keep is
/// <see cref="PostmortemState"/> and <see cref="ReminderState"/>).
/// </summary>
public static class ReminderOutbox
{
    /// <summary>Generate the postmortem draft of a resolution.</summary>
    public static readonly OutboxKind<NoPayload> PostmortemDraft =
        OutboxKind.Declare<NoPayload, PostmortemDraftHandler>("postmortem.draft");

    /// <summary>Schedule the reminders of a resolution (owed by the draft, or by its failure).</summary>
    public static readonly OutboxKind<NoPayload> Schedule =
        OutboxKind.Declare<NoPayload, ScheduleRemindersHandler>("reminders.schedule");

    /// <summary>Cancel every reminder still scheduled (the postmortem was recorded).</summary>
    public static readonly OutboxKind<NoPayload> Cancel =
        OutboxKind.Declare<NoPayload, CancelRemindersHandler>("reminders.cancel");

    /// <summary>Move one reminder to a new due date.</summary>
    public static readonly OutboxKind<ReschedulePayload> Reschedule =
        OutboxKind.Declare<ReschedulePayload, RescheduleReminderHandler>("reminders.reschedule");

    /// <summary>E-mail a delivered reminder (to the owner, or to the managers for an escalation).</summary>
    public static readonly OutboxKind<ReminderEmailPayload> Email =
        OutboxKind.Declare<ReminderEmailPayload, ReminderEmailHandler>("reminder-email");

    public static readonly IReadOnlyList<OutboxKind> All = [PostmortemDraft, Schedule, Cancel, Reschedule, Email];
}
