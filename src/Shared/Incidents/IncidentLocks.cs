namespace AutoResponder.Incidents;

/// <summary>
/// One writer per incident row inside this process: intake's group commit, human actions and the outbox
/// take the incident's lock before they read-modify-write its row, so within one instance they queue
/// instead of racing for the ETag. Across instances the ETag still decides (and a loser rereads).
/// </summary>
public sealed class IncidentLocks
{
    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits for the incident's lock; dispose the result to release it.</summary>
    public async Task<IDisposable> AcquireAsync(string incidentId, CancellationToken ct)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(incidentId, out entry!)) _entries[incidentId] = entry = new Entry();
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(ct);
        }
        catch
        {
            Release(incidentId, entry, held: false);
            throw;
        }
        return new Held(this, incidentId, entry);
    }

    private void Release(string incidentId, Entry entry, bool held)
    {
        if (held) entry.Gate.Release();
        lock (_entries)
        {
            if (--entry.Users == 0) _entries.Remove(incidentId);
        }
    }

    private sealed class Held(IncidentLocks owner, string incidentId, Entry entry) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(incidentId, entry, held: true);
        }
    }
}
