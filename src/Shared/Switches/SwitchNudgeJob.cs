using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.StatusEmails;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Switches;

/// <summary>
/// Scheduled: a switch still on <c>NudgeAfterMinutes</c> after its incident resolved adds a "switch-nudge" entry to
/// the incident (a Teams reply that @mentions the owner), once per resolution. Reads the handful of switch rows only.
/// </summary>
public sealed class SwitchNudgeJob(SwitchStore store, IncidentStore incidents, IncidentService changes,
    IOptions<SwitchOptions> options, TimeProvider time,
    ILogger<SwitchNudgeJob> log) : IScheduledJob
{
    public const string ScheduleSetting = "AutoResponder:Switches:NudgeSchedule";

    public string Name => "SwitchNudge";
    public JobSchedule Schedule { get; } = new(ScheduleSetting, "0 */5 * * * *"); // every five minutes

    Task IScheduledJob.RunAsync(CancellationToken cancellationToken) => RunAsync(cancellationToken);

    /// <summary>Returns the switches nudged about.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        var nudged = new List<string>();
        if (o.Declared.Count == 0) return nudged;
        var after = TimeSpan.FromMinutes(o.NudgeAfterMinutes);
        foreach (var row in (await store.ListAsync(ct)).Values)
        {
            if (!row.On || row.IncidentId is null || o.Find(row.Name) is null) continue;
            var incident = await incidents.FindAsync(row.IncidentId, ct);
            if (incident?.ResolvedAt is not { } resolvedAt || incident.Status.IsLive()) continue;
            var now = time.GetUtcNow();
            if (now - resolvedAt < after || row.NudgedFor == resolvedAt) continue;

            var previous = row.NudgedFor;
            row.NudgedFor = resolvedAt;
            if (!await store.TryWriteAsync(row, row, ct)) continue; // flipped meanwhile: look again next time
            var text = $"{row.Name} is still on {StatusEmailRenderer.Duration(now - resolvedAt)} after resolution (on since " +
                $"{(row.Since is { } s ? StatusEmailRenderer.Time(s) : "?")}{(row.By is null ? "" : $" by {row.By}")}). " +
                $"{incident.Owner ?? "Owner"}: turn it off (POST " +
                $"/api/incidents/{incident.Id}/switches/{row.Name} {{\"on\": false}}) or say why it stays on.";
            try
            {
                await changes.ChangeAsync(incident.Id, (c, at) =>
                    c.Add(at, SwitchKinds.Nudge, IncidentLifecycle.SystemActor, text), ct);
                nudged.Add(row.Name);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                row.NudgedFor = previous; // try again next time
                await store.TryWriteAsync(row, row, ct);
                log.LogWarning(e, "Could not nudge about switch {Switch} of {IncidentId}", row.Name, incident.Id);
            }
        }
        return nudged;
    }
}
