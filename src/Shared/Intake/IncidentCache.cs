using System.Collections.Concurrent;
using AutoResponder.Incidents;

namespace AutoResponder.Intake;

/// <summary>
/// Remembers, per dedup key and per grouping key, the live incident alerts last went to, so an alert storm
/// is routed without reading the index. Never trusted blindly: the committer checks the incident still takes
/// the alert (and reroutes it when not), and its writes are conditional on the row's ETag.
/// </summary>
public sealed class IncidentCache
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, IncidentRecord> _byDedupKey = new();
    private readonly ConcurrentDictionary<string, IncidentRecord> _byGroupKey = new();

    public IncidentRecord? Get(string dedupKey) => Live(_byDedupKey, dedupKey);

    public IncidentRecord? GetGroup(string groupKey) => Live(_byGroupKey, groupKey);

    public void Remember(string dedupKey, string? groupKey, IncidentRecord record)
    {
        Put(_byDedupKey, dedupKey, record);
        if (groupKey is not null && record.GroupHash == groupKey) Put(_byGroupKey, groupKey, record);
    }

    public void Forget(string dedupKey, string? groupKey)
    {
        _byDedupKey.TryRemove(dedupKey, out _);
        if (groupKey is not null) _byGroupKey.TryRemove(groupKey, out _);
    }

    private static IncidentRecord? Live(ConcurrentDictionary<string, IncidentRecord> map, string key) =>
        map.TryGetValue(key, out var record) && record.Status.IsLive() ? record : null;

    private static void Put(ConcurrentDictionary<string, IncidentRecord> map, string key, IncidentRecord record)
    {
        if (map.Count >= MaxEntries) map.Clear();
        map[key] = record;
    }
}
