using AutoResponder.Outbox;

namespace AutoResponder.Switches;

/// <summary>Outbox kinds of the switches feature.</summary>
internal static class SwitchOutbox
{
    /// <summary>At resolution: call out every switch of the incident still on.</summary>
    public static readonly OutboxKind<EntryPayload> Callout =
        OutboxKind.Declare<EntryPayload, SwitchCalloutHandler>("switches.callout");

    /// <summary>
    /// After a flip: set the App Configuration feature flags (runs only where the mirror is configured).
    /// </summary>
    public static readonly OutboxKind<EntryPayload> Mirror =
        OutboxKind.Declare<EntryPayload, SwitchMirrorHandler>("switches.mirror");
}
