using AutoResponder.Outbox;

namespace AutoResponder.Watch;

/// <summary>Outbox kinds of the watch.</summary>
internal static class WatchOutbox
{
    /// <summary>Start (or hand over) the watch of a mitigated or resolved incident.</summary>
    public static readonly OutboxKind<WatchStartPayload> Start =
        OutboxKind.Declare<WatchStartPayload, WatchStartHandler>("watch.start");

    public static readonly IReadOnlyList<OutboxKind> All = [Start];
}
