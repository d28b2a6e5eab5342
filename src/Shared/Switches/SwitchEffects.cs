using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.Switches;

/// <summary>
/// What switches owe: at resolution, a call-out of every switch still on (<see cref="SwitchOutbox.Callout"/> → a
/// "switch-still-on" entry, a Teams reply); after a flip, the App Configuration mirror when configured
/// (<see cref="SwitchOutbox.Mirror"/>).
/// </summary>
internal sealed class SwitchEffect(IOptions<SwitchOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        var o = options.Value;
        if (o.Declared.Count == 0) yield break;
        if (entry.Kind == TimelineKinds.Resolved)
            yield return SwitchOutbox.Callout.Owe(new EntryPayload(entry.RowKey));
        else if (entry.Kind == SwitchKinds.Flipped && o.AppConfiguration.Enabled)
            yield return SwitchOutbox.Mirror.Owe(new EntryPayload(entry.RowKey));
    }
}

internal sealed class SwitchCalloutHandler(SwitchService switches) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var on = await switches.OnForAsync(context.Incident.Id, ct);
        if (on.Count == 0) return OutboxOutcome.Done("no switch of this incident is on");
        return new OutboxOutcome(
            Result: $"{on.Count} switch(es) still on",
            TimelineText: $"Resolved with {(on.Count == 1 ? "a switch" : "switches")} still on: " +
                $"{string.Join("; ", on.Select(SwitchService.Describe))}. Turn {(on.Count == 1 ? "it" : "them")} off " +
                $"when customers may order normally again.",
            TimelineKind: SwitchKinds.StillOn);
    }
}

/// <summary>
/// Sets every declared switch's feature flag to its current state (idempotent: a retry writes the same value).
/// </summary>
internal sealed class SwitchMirrorHandler(SwitchService switches, IFeatureFlagMirror mirror) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var all = await switches.ListAsync(ct);
        foreach (var s in all) await mirror.SetAsync(s.Name, s.On, s.Description, ct);
        return OutboxOutcome.Done($"feature flags set: " +
            $"{string.Join(", ", all.Select(s => $"{s.Name}={(s.On ? "on" : "off")}"))}");
    }
}
