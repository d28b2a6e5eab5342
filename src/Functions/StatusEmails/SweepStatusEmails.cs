using AutoResponder.StatusEmails;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.StatusEmails;

/// <summary>Every minute: owes the status emails that are due (reads the StatusEmailSchedule index).</summary>
public sealed class SweepStatusEmails(StatusEmailSweep sweep)
{
    [Function(nameof(SweepStatusEmails))]
    public Task Run([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken ct) => sweep.SweepAsync(ct);
}
