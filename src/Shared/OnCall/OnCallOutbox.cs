using AutoResponder.Outbox;

namespace AutoResponder.OnCall;

/// <summary>
/// Outbox kinds of on-call paging (what paging keeps about an incident is <see cref="OnCallState"/>).
/// </summary>
internal static class OnCallOutbox
{
    /// <summary>
    /// One step of an escalation (lane "escalation"): pages a level, or stops when someone owns the incident. A first
    /// notice: reaching the people on call must not wait behind a storm's follow-up work.
    /// </summary>
    public static readonly OutboxKind<EscalationStepPayload> EscalationStep =
        OutboxKind.Declare<EscalationStepPayload, EscalationStepHandler>("escalation.step", SignalLane.FirstNotice);

    /// <summary>
    /// One page to one person (lane "page"): Teams chat, e-mail and an @mention in the incident's thread. A first notice,
    /// like the step that owes it.
    /// </summary>
    public static readonly OutboxKind<PagePayload> PageSend =
        OutboxKind.Declare<PagePayload, PageHandler>("page.send", SignalLane.FirstNotice);

    public static readonly IReadOnlyList<OutboxKind> All = [EscalationStep, PageSend];
}
