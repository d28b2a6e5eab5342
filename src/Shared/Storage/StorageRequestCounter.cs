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
    private readonly Policy _tables = new(), _blobs = new(), _queues = new();

    public HttpPipelinePolicy Tables => _tables;
    public HttpPipelinePolicy Blobs => _blobs;
    public HttpPipelinePolicy Queues => _queues;

    public sealed record Counts(long Tables, long Blobs, long Queues)
    {
        public long Total => Tables + Blobs + Queues;
        public static Counts operator -(Counts a, Counts b) => new(a.Tables - b.Tables, a.Blobs - b.Blobs, a.Queues - b.Queues);
    }

    public Counts Snapshot() => new(_tables.Count, _blobs.Count, _queues.Count);

    private sealed class Policy : HttpPipelineSynchronousPolicy
    {
        private long _count;
        public long Count => Interlocked.Read(ref _count);
        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}
