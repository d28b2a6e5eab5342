using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AutoResponder.Storage;

/// <summary>
/// Counts the HTTP requests (storage transactions, as billed: retries included) the storage clients send, per
/// service: a pipeline policy on every client <see cref="StorageClients"/> builds. `bench storm` reads it to report
/// storage transactions per alert.
/// </summary>
public sealed class StorageRequestCounter
{
    private readonly ConcurrentDictionary<string, long> _operations = new(StringComparer.Ordinal);
    private readonly Policy _tables, _blobs, _queues;

    public StorageRequestCounter()
    {
        _tables = new Policy(_operations);
        _blobs = new Policy(_operations);
        _queues = new Policy(_operations);
    }

    public HttpPipelinePolicy Tables => _tables;
    public HttpPipelinePolicy Blobs => _blobs;
    public HttpPipelinePolicy Queues => _queues;

    public sealed record Counts(long Tables, long Blobs, long Queues)
    {
        public long Total => Tables + Blobs + Queues;
        public static Counts operator -(Counts a, Counts b)
            => new(a.Tables - b.Tables, a.Blobs - b.Blobs, a.Queues - b.Queues);
    }

    public Counts Snapshot() => new(_tables.Count, _blobs.Count, _queues.Count);

    /// <summary>
    /// Requests so far by operation ("GET Incidents(key)", "POST $batch", "GET IncidentIndex()" for a query …): where
    /// the transactions go.
    /// </summary>
    public IReadOnlyDictionary<string, long> Operations() => new Dictionary<string, long>(_operations);

    /// <summary>
    /// The operation a request is: method and the resource with its keys, query and account name left out.
    /// </summary>
    public static string Operation(string method, string path)
    {
        var last = path.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        var paren = last.IndexOf('(');
        if (paren >= 0) last = last[..paren] + (last.Length > paren + 2 ? "(key)" : "()");
        return $"{method} {Uri.UnescapeDataString(last)}";
    }

    private sealed class Policy(ConcurrentDictionary<string, long> operations) : HttpPipelineSynchronousPolicy
    {
        private long _count;
        public long Count => Interlocked.Read(ref _count);
        public override void OnSendingRequest(HttpMessage message)
        {
            Interlocked.Increment(ref _count);
            operations.AddOrUpdate(Operation(message.Request.Method.ToString(), message.Request.Uri.Path), 1, (_, n) =>
                n + 1);
        }
    }
}
