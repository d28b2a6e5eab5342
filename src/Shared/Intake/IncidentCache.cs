using System.Collections.Concurrent;
using AutoResponder.Incidents;

namespace AutoResponder.Intake;

/// <summary>
/// Remembers, per dedup key, the live incident it last went to (with the row's ETag), so an alert storm
/// appends in one round trip. Never trusted blindly: the append transaction is conditional on the
/// cached ETag, and a 412 drops the entry and goes the long way.
/// </summary>
public sealed class IncidentCache
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, IncidentRecord> _byDedupKey = new();

    public IncidentRecord? Get(string dedupKey) =>
        _byDedupKey.TryGetValue(dedupKey, out var record) && record.Status.IsLive() ? record.Clone() : null;

    public void Remember(string dedupKey, IncidentRecord record)
    {
        if (_byDedupKey.Count >= MaxEntries) _byDedupKey.Clear();
        _byDedupKey[dedupKey] = record.Clone();
    }

    public void Forget(string dedupKey) => _byDedupKey.TryRemove(dedupKey, out _);
}
