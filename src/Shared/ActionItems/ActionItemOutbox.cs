using AutoResponder.Outbox;

namespace AutoResponder.ActionItems;

/// <summary>Outbox kinds of action items.</summary>
internal static class ActionItemOutbox
{
    /// <summary>One due reminder of one item: to the owner, or (overdue) to the incident's managers too.</summary>
    public static readonly OutboxKind<ActionItemReminderPayload> Remind =
        OutboxKind.Declare<ActionItemReminderPayload, ActionItemReminderHandler>("action-items.remind");

    public static readonly IReadOnlyList<OutboxKind> All = [Remind];
}
