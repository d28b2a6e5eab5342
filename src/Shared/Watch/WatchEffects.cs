using System.Text.Json;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.Watch;

/// <summary>Mitigation and resolution owe a watch (<see cref="WatchOutbox.Start"/>).</summary>
internal sealed class WatchEffect(IOptions<WatchOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        if (!options.Value.Enabled) yield break;
        if (entry.Kind is TimelineKinds.Mitigated or TimelineKinds.Resolved)
            yield return WatchOutbox.Start.Owe(new WatchStartPayload(entry.Kind, entry.At));
    }
}

internal sealed record WatchStartPayload(string Phase, DateTimeOffset At);

internal sealed class WatchStartHandler(WatchService watch) : IOutboxHandler
{
    public Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var payload = JsonSerializer.Deserialize<WatchStartPayload>(context.Action.Payload, JsonSerializerOptions.Web)!;
        var incident = context.Incident;
        // Reopened since (or, after mitigation, already resolved and its own watch planned): nothing to start.
        if (payload.Phase == TimelineKinds.Mitigated && incident.Status != IncidentStatus.Mitigated)
            return Task.FromResult(OutboxOutcome.Done($"skipped: incident is {incident.Status.ToApi()}"));
        if (payload.Phase == TimelineKinds.Resolved
            && incident.Status is not (IncidentStatus.Resolved or IncidentStatus.Closed)) return Task.FromResult(OutboxOutcome.Done($"skipped: incident is {incident.Status.ToApi()}"));
        return watch.StartAsync(incident, payload.Phase, payload.At, ct);
    }
}

/// <summary>
/// The scheduled check of every running watch (both hosts: <see cref="ScheduleSetting"/>, every minute by default).
/// </summary>
public sealed class WatchJob(WatchService watch) : IScheduledJob
{
    public const string ScheduleSetting = "AutoResponder:Watch:Schedule";

    public string Name => "Watch";
    public JobSchedule Schedule { get; } = new(ScheduleSetting, "0 */1 * * * *"); // every minute
    public Task RunAsync(CancellationToken cancellationToken) => watch.CheckAllAsync(cancellationToken);
}
