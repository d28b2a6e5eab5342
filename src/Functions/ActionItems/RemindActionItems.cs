using AutoResponder.ActionItems;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.ActionItems;

/// <summary>
/// Every five minutes by default (<c>AutoResponder:ActionItems:ReminderSchedule</c>): owes the action-item reminders
/// that are due.
/// </summary>
public sealed class RemindActionItems(ActionItemReminderJob job)
{
    [Function(nameof(RemindActionItems))]
    public Task Run([TimerTrigger("%" + ActionItemReminderJob.ScheduleSetting + "%")] TimerInfo timer,
        CancellationToken ct) =>
        job.RunAsync(ct);
}
