using AutoResponder.StatusEmails;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.StatusEmails;

/// <summary>
/// Every minute by default (<c>AutoResponder:StatusEmails:SweepSchedule</c>): owes the status emails that are due
/// (reads the StatusEmailSchedule index).
/// </summary>
public sealed class SweepStatusEmails(StatusEmailSweep sweep)
{
    [Function(nameof(SweepStatusEmails))]
    public Task Run([TimerTrigger("%" + StatusEmailSweep.ScheduleSetting + "%")] TimerInfo timer,
        CancellationToken ct) =>
        sweep.SweepAsync(ct);
}
