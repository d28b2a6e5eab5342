namespace AutoResponder.StatusEmails;

/// <summary>
/// Slot arithmetic: slot N of an incident starts at openedAt + N × cadence. The slot's start time (not its
/// number, which shifts when the cadence changes with severity) is the idempotency key of its email.
/// </summary>
internal static class StatusEmailSlots
{
    public static long SlotAt(DateTimeOffset openedAt, TimeSpan cadence, DateTimeOffset now) =>
        now <= openedAt ? 0 : (now - openedAt).Ticks / cadence.Ticks;

    public static DateTimeOffset SlotStart(DateTimeOffset openedAt, TimeSpan cadence, long slot) =>
        openedAt + TimeSpan.FromTicks(cadence.Ticks * slot);

    /// <summary>When the next slot after <paramref name="now"/> starts.</summary>
    public static DateTimeOffset NextDue(DateTimeOffset openedAt, TimeSpan cadence, DateTimeOffset now) =>
        SlotStart(openedAt, cadence, SlotAt(openedAt, cadence, now) + 1);
}
