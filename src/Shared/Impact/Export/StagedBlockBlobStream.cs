using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AutoResponder.Impact;

/// <summary>
/// A write-only stream that uploads to a block blob as staged blocks and makes them the blob's content only when
/// <see cref="CompleteAsync"/> commits the block list. Until then the blob (or its previous content) is unchanged:
/// a failure or cancellation half-way leaves nothing a reader could see, and uncommitted blocks expire by
/// themselves. Disposing without completing never commits. Memory is bounded: one filling block plus at most
/// <see cref="MaxInFlight"/> blocks uploading.
/// </summary>
internal sealed class StagedBlockBlobStream(BlockBlobClient blob, int blockSize = 4 * 1024 * 1024) : Stream
{
    public const int MaxInFlight = 2;

    private readonly string _run = Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> _blockIds = [];
    private readonly Queue<(Task Upload, byte[] Block)> _inFlight = new();
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private byte[] _buffer = new byte[blockSize];
    private int _filled;
    private long _length;
    private bool _completed;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_completed;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source,
        CancellationToken cancellationToken = default)
    {
        if (source.IsEmpty) return;
        ObjectDisposedException.ThrowIf(_completed, this);
        while (!source.IsEmpty)
        {
            var take = Math.Min(source.Length, _buffer.Length - _filled);
            source[..take].CopyTo(_buffer.AsMemory(_filled));
            _filled += take;
            _length += take;
            source = source[take..];
            if (_filled == _buffer.Length) await StageAsync(cancellationToken);
        }
    }

    private async Task StageAsync(CancellationToken ct)
    {
        if (_filled == 0) return;
        byte[]? free = null;
        while (_inFlight.Count >= MaxInFlight)
        {
            var (upload, used) = _inFlight.Dequeue();
            await upload;
            free = used;
        }
        var id = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{_run}-{_blockIds.Count:D6}"));
        _blockIds.Add(id);
        var block = _buffer;
        var length = _filled;
        _md5.AppendData(block, 0, length);
        _inFlight.Enqueue((Task.Run(async () =>
        {
            using var content = new MemoryStream(block, 0, length, writable: false);
            await blob.StageBlockAsync(id, content, cancellationToken: ct);
        }, ct), block));
        _buffer = free ?? new byte[_buffer.Length]; // buffers are reused: at most MaxInFlight + 1 exist
        _filled = 0;
    }

    /// <summary>Uploads what is left and commits the block list: only now does the blob show the new content.</summary>
    public async Task<long> CompleteAsync(BlobHttpHeaders headers, CancellationToken ct)
    {
        await StageAsync(ct);
        while (_inFlight.Count > 0) await _inFlight.Dequeue().Upload;
        headers.ContentHash = _md5.GetHashAndReset();
        await blob.CommitBlockListAsync(_blockIds, new CommitBlockListOptions { HttpHeaders = headers }, ct);
        _completed = true;
        return _length;
    }

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _md5.Dispose();
        base.Dispose(disposing);
    }
}
