using AutoResponder.Outbox;

namespace AutoResponder.OnCall;

/// <summary>
/// Outbox kinds of on-call paging (what paging keeps about an incident is <see cref="OnCallState"/>).
/// </summary>
internal static class OnCallOutbox
{
    /// <summary>
    /// One step of an escalation (lane "escalation"): pages a level, or stops when someone owns the incident.
    /// </summary>
    public static readonly OutboxKind<EscalationStepPayload> EscalationStep =
        OutboxKind.Declare<EscalationStepPayload, EscalationStepHandler>("escalation.step");

    /// <summary>
    /// One page to one person (lane "page"): Teams chat, e-mail and an @mention in the incident's thread.
    /// </summary>
    public static readonly OutboxKind<PagePayload> PageSend = OutboxKind.Declare<PagePayload, PageHandler>("page.send");

    public static readonly IReadOnlyList<OutboxKind> All = [EscalationStep, PageSend];
}
