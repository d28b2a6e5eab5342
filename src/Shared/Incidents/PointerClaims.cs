using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// Group commit of new pointer rows (<c>Add</c>: "first claimer wins") per index partition. Claims that arrive while
/// a partition's transaction is in flight queue up and go together in the next one, so a group's storm of new alerts
/// (whose dedup pointers share the group's partition) costs a fraction of a request per alert instead of one each.
/// A claim whose row exists (409) loses alone: the transaction is sent again without it. Two claims of one row in one
/// batch: the first is sent, the second loses as it would have.
/// </summary>
internal sealed class PointerClaims(Func<TableClient> table)
{
    private const int MaxOperations = 100;
    private const int MaxLanes = 1000;

    private sealed class Claim(IncidentPointer row)
    {
        public IncidentPointer Row { get; } = row;
        public TaskCompletionSource<bool> Won { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly ConcurrentDictionary<string, ConcurrentQueue<Claim>> _lanes = new(StringComparer.Ordinal);
    private readonly IncidentLocks _locks = new(); // keyed by partition: one transaction in flight per partition

    /// <summary>Adds <paramref name="row"/>; false when the row exists (someone else claimed it first).</summary>
    public async Task<bool> TryAddAsync(IncidentPointer row, CancellationToken ct)
    {
        if (_lanes.Count > MaxLanes)
            foreach (var (key, idle) in _lanes)
                if (idle.IsEmpty) _lanes.TryRemove(key, out _); // a caller still holding it drains its own queue
        var lane = _lanes.GetOrAdd(row.PartitionKey, _ => new ConcurrentQueue<Claim>());
        var claim = new Claim(row);
        lane.Enqueue(claim);
        using (await _locks.AcquireAsync(row.PartitionKey, ct))
        {
            if (!claim.Won.Task.IsCompleted)
            {
                var batch = new List<Claim>();
                while (lane.TryDequeue(out var next)) batch.Add(next);
                // The batch belongs to every claimer in it: one caller giving up must not fail the others.
                try { await CommitAsync(batch, CancellationToken.None); }
                catch (Exception e)
                {
                    foreach (var c in batch) c.Won.TrySetException(e);
                }
            }
        }
        return await claim.Won.Task.WaitAsync(ct);
    }

    private async Task CommitAsync(List<Claim> batch, CancellationToken ct)
    {
        var pending = new List<Claim>();
        var rows = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in batch)
            if (rows.Add(c.Row.RowKey)) pending.Add(c);
            else c.Won.TrySetResult(false);

        while (pending.Count > 0)
        {
            var chunk = pending.Take(MaxOperations).ToList();
            try
            {
                if (chunk.Count == 1) await table().AddEntityAsync(chunk[0].Row, ct);
                else await table().SubmitTransactionAsync(chunk.Select(c =>
                    new TableTransactionAction(TableTransactionActionType.Add, c.Row)), ct);
                foreach (var c in chunk) c.Won.TrySetResult(true);
                pending.RemoveRange(0, chunk.Count);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409
                && e.FailedTransactionActionIndex is { } failed && failed < chunk.Count)
            {
                chunk[failed].Won.TrySetResult(false); // nothing of the chunk was written: send the rest again
                pending.Remove(chunk[failed]);
            }
            catch (RequestFailedException e) when (chunk.Count == 1 && e.Status == 409)
            {
                chunk[0].Won.TrySetResult(false);
                pending.RemoveAt(0);
            }
        }
    }
}
