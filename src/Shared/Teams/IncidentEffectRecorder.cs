using System.Text.Json;
using AutoResponder.Incidents;

namespace AutoResponder.Teams;

/// <summary>
/// Writes recorded effects onto the incident row the moment an external call succeeded, before the outbox
/// action finishes. An action that makes several calls (root post, reply, PATCH) and fails half-way then
/// finds on its retry what it already did, instead of doing it twice. Reply markers are pruned to the most
/// recent <see cref="KeepReplies"/> so the row stays far below Table storage's 64 KiB property limit (older
/// replies belong to actions that are already done or parked, which never run again).
/// </summary>
public sealed class IncidentEffectRecorder(IncidentStore store)
{
    public const int KeepReplies = 50;

    public async Task<Dictionary<string, string>> RecordAsync(string incidentId, IReadOnlyDictionary<string, string> add, CancellationToken ct)
    {
        var effects = new Dictionary<string, string>();
        await store.UpdateAsync(incidentId, incident =>
        {
            effects = new Dictionary<string, string>(IncidentStore.ReadEffects(incident));
            foreach (var (key, value) in add) effects[key] = value;
            var replies = effects.Keys.Where(k => k.StartsWith(TeamsKeys.ReplyPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            foreach (var old in replies.Take(Math.Max(0, replies.Count - KeepReplies)))
                if (!add.ContainsKey(old)) effects.Remove(old);
            incident.EffectsJson = JsonSerializer.Serialize(effects);
            return ValueTask.FromResult<IncidentChange?>(new IncidentChange(incident, isNew: false));
        }, ct);
        return effects;
    }
}
