using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The every-minute timer: reads the due rows of the schedule index (never the incident table), and for
/// each live incident owes the email of its current slot — one outbox action, committed together with an
/// occurrence marker keyed by the slot's start, so a retried or overlapping run adds nothing twice — plus
/// a "status-overdue" timeline entry when no human status update arrived within the cadence. Then it moves
/// the incident's row to the next slot. Resolved incidents drop out of the index (their final email is
/// owed by the resolution itself).
/// </summary>
public sealed class StatusEmailSweep(
    StatusEmailSchedule schedule,
    IncidentStore store,
    IncidentCommits commits,
    IntegrationSettings<StatusEmailOptions> settings,
    TimeProvider time,
    ILogger<StatusEmailSweep> log) : IScheduledJob
{
    private readonly IOptions<StatusEmailOptions> options = settings.Options;

    public const string ScheduleSetting = "AutoResponder:StatusEmails:SweepSchedule";

    public string Name => "status-email-sweep";
    public JobSchedule Schedule { get; } = new(ScheduleSetting, "0 */1 * * * *"); // every minute
    public Task RunAsync(CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    /// <summary>Returns how many slot emails this run owed.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        // a broken setting is on /api/health; nothing is owed from it
        if (!options.Value.Enabled || !settings.Ready) return 0;
        var now = time.GetUtcNow();
        var owed = 0;
        foreach (var row in await schedule.DueAsync(now, options.Value.MaxPerSweep, ct))
        {
            try { if (await ProcessAsync(row, now, ct)) owed++; }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(
                    e, "Status email sweep failed for {IncidentId}; the row stays due and is retried next minute",
                    row.IncidentId);
            }
        }
        return owed;
    }

    private async Task<bool> ProcessAsync(StatusEmailDue row, DateTimeOffset now, CancellationToken ct)
    {
        var incident = await store.FindAsync(row.IncidentId, ct);
        if (incident is null || !incident.Status.IsLive())
        {
            await schedule.RemoveAsync(row, ct);
            return false;
        }

        var cadence = options.Value.CadenceFor(incident.Severity);
        var slot = StatusEmailSlots.SlotAt(incident.OpenedAt, cadence, now);
        var slotAt = StatusEmailSlots.SlotStart(incident.OpenedAt, cadence, slot);
        var owed = false;
        if (slot >= 1)
        {
            var change = IncidentChange.Beside(incident);
            change.Occurrences.Add(IncidentRows.Occurrence(StatusEmailOutbox.Email.Name, slotAt));
            if (StatusEmailRenderer.UpdateOverdue(incident, now, cadence) is { } late)
            {
                var who = incident.Owner is null ? "No owner has acknowledged this incident" : $"@{incident.Owner}";
                change.Add(now, TimelineKinds.StatusOverdue, IncidentLifecycle.SystemActor,
                    $"{who}: no status update for {StatusEmailRenderer.Duration(late)} ({incident.SeverityName} " +
                    $"expects one every {StatusEmailRenderer.Duration(cadence)}). Managers get status email #{slot} " +
                    $"now; please post an update.");
            }
            change.Actions.Add(OutboxAction.Create(incident.Id, StatusEmailOutbox.Email.Name,
                new StatusEmailPayload(slot, slotAt).ToJson(), now));
            try
            {
                await commits.CommitAsync(change, ct);
                owed = true;
                log.LogInformation("Status email slot {Slot} owed for {IncidentId}", slot, incident.Id);
            }
            catch (DuplicateDeliveryException)
            {
                log.LogDebug("Status email slot {Slot} of {IncidentId} was already owed", slot, incident.Id);
            }
        }

        var next = StatusEmailSlots.SlotStart(incident.OpenedAt, cadence, slot + 1);
        await schedule.ScheduleAsync(incident.Id, next, ct);
        if (row.RowKey != StatusEmailSchedule.RowKeyFor(next, incident.Id)) await schedule.RemoveAsync(row, ct);
        return owed;
    }
}
