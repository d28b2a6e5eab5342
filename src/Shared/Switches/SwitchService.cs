using AutoResponder.Incidents;
using AutoResponder.StatusEmails;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Switches;

/// <summary>Timeline kinds of the switches feature (its outbox kinds: <see cref="SwitchOutbox"/>).</summary>
public static class SwitchKinds
{
    /// <summary>A responder turned a switch on or off (Teams reply; listed in the next status email).</summary>
    public const string Flipped = "switch";
    /// <summary>At resolution a switch linked to the incident is still on (Teams reply).</summary>
    public const string StillOn = "switch-still-on";
    /// <summary>A switch is still on long after resolution: the owner is @mentioned.</summary>
    public const string Nudge = "switch-nudge";
}

/// <summary>What GET /api/switches shows for one switch.</summary>
public sealed record SwitchState(string Name, string Description, bool On, DateTimeOffset? Since, string? By,
    string? IncidentId);

public sealed record SwitchFlip(SwitchState Switch, bool Changed);

internal sealed class UnknownSwitchException(string name)
    : Exception($"There is no switch '{name}': declare it under AutoResponder:Switches:Declared.")
{
    public string Name { get; } = name;
}

/// <summary>
/// Reads and flips the stop-the-impact switches. A flip writes the switch row (ETag-guarded), then records it on the
/// incident's timeline (which owes the Teams reply and appears in the next status email); if the timeline write fails
/// the switch row is put back, so a flip is never in effect without being on the record.
/// </summary>
public sealed class SwitchService(SwitchStore store, IncidentStore incidents, IncidentService changes,
    ConflictRetry retry, IOptions<SwitchOptions> options, TimeProvider time,
    ILogger<SwitchService> log)
{
    public async Task<IReadOnlyList<SwitchState>> ListAsync(CancellationToken ct)
    {
        var rows = await store.ListAsync(ct);
        return options.Value.Declared.Select(d => State(d, rows.GetValueOrDefault(d.Name))).ToList();
    }

    /// <summary>The declared switches that are on and were last flipped from <paramref name="incidentId"/>.</summary>
    public async Task<IReadOnlyList<SwitchState>> OnForAsync(string incidentId, CancellationToken ct) =>
        (await ListAsync(ct)).Where(s => s.On && s.IncidentId == incidentId).ToList();

    /// <exception cref="UnknownSwitchException">Not declared.</exception>
    /// <exception cref="IncidentNotFoundException">No such incident.</exception>
    /// <exception cref="InvalidTransitionException">Turning a switch on from a resolved or closed incident.</exception>
    public async Task<SwitchFlip> FlipAsync(string incidentId, string name, bool on, string? reason, string actor,
        IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        var declared = options.Value.Find(name) ?? throw new UnknownSwitchException(name);
        for (var attempt = 1; ; attempt++)
        {
            var incident = await incidents.FindAsync(incidentId, ct) ?? throw new IncidentNotFoundException(incidentId);
            ifMatch?.Check(incident); // a stale page flips nothing (the timeline entry checks it again)
            if (on && !incident.Status.IsLive())
                throw new InvalidTransitionException(incidentId, $"turn on '{name}' from", incident.Status);
            var current = await store.GetAsync(name, ct);
            if ((current?.On ?? false) == on) return new SwitchFlip(State(declared, current), Changed: false);

            var now = time.GetUtcNow();
            var next = new SwitchRecord
            {
                RowKey = name,
                On = on,
                Since = now,
                By = actor,
                IncidentId = incidentId,
                Reason = reason,
            };
            if (!await store.TryWriteAsync(next, current, ct))
            {
                await retry.LostRaceAsync(incidentId, attempt, ct);
                continue;
            }
            var text = on
                ? $"{name} turned ON{(reason is null ? "" : $": {reason}")}."
                : $"{name} turned off{(current?.Since is { } since ? $" (on since {StatusEmailRenderer.Time(since)}, {StatusEmailRenderer.Duration(now - since)})" : "")}{(reason is null ? "" : $": {reason}")}.";
            try
            {
                await changes.ChangeAsync(incidentId, ifMatch, (c, at) => c.Add(at, SwitchKinds.Flipped, actor, text),
                    ct);
            }
            catch
            {
                await RestoreAsync(next, current);
                throw;
            }
            log.LogInformation("Switch {Switch} turned {State} by {Actor} for {IncidentId}", name, on ? "on" : "off",
                actor, incidentId);
            return new SwitchFlip(State(declared, next), Changed: true);
        }
    }

    private async Task RestoreAsync(SwitchRecord written, SwitchRecord? previous)
    {
        try
        {
            if (previous is null) await store.Table.DeleteEntityAsync(SwitchRecord.Partition, written.RowKey,
                written.ETag);
            else
            {
                previous.ETag = default;
                await store.Table.UpdateEntityAsync(previous, written.ETag, Azure.Data.Tables.TableUpdateMode.Replace);
            }
        }
        catch (Exception e)
        {
            log.LogError(
                e, "Switch {Switch} is {State} but its timeline entry was not written, and putting it back failed",
                written.RowKey, written.On ? "on" : "off");
        }
    }

    public static string Describe(SwitchState s) =>
        $"{s.Name} on since {(s.Since is { } since ? StatusEmailRenderer.Time(since) : "an unknown time")}{(s.By is null ? "" : $" (by {s.By})")}";

    private static SwitchState State(SwitchDeclaration d, SwitchRecord? row) =>
        new(d.Name, d.Description, row?.On ?? false, row?.Since, row?.By, row?.IncidentId);
}

/// <summary>Status emails and reminders call out every switch still on for the incident.</summary>
internal sealed class SwitchNotices(SwitchService switches, IOptions<SwitchOptions> options) : IIncidentNotices
{
    public async Task<IReadOnlyList<string>> ForAsync(IncidentRecord incident, CancellationToken ct)
    {
        if (options.Value.Declared.Count == 0) return [];
        return (await switches.OnForAsync(incident.Id, ct))
            .Select(s => $"Switch still on: {SwitchService.Describe(s)}.").ToList();
    }
}
