using AutoResponder.Reminders;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Reminders;

/// <summary>
/// Every minute by default, at second 30 (<c>AutoResponder:Reminders:PumpSchedule</c>): receives the RCA reminders that
/// came due (Service Bus peek-lock receiver, or the storage queue standalone). Stands in for a Service Bus trigger,
/// which is not in our package feed.
/// </summary>
public sealed class PumpReminders(IReminderPump pump)
{
    [Function(nameof(PumpReminders))]
    public Task Run([TimerTrigger("%" + ReminderPumpJob.ScheduleSetting + "%")] TimerInfo timer,
        CancellationToken ct) =>
        pump.PumpAsync(ct);
}
