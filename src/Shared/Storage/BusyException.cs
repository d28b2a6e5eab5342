namespace AutoResponder.Storage;

/// <summary>
/// A record kept changing under this writer: other writers won the optimistic-concurrency race every time (a bounded
/// number of tries). Nothing was lost and a retry is safe: the API answers 503 with Retry-After
/// (<c>Http.StorageOutage</c>), the outbox tries again after <see cref="RetryAfter"/>.
/// </summary>
public abstract class BusyException(string message) : Exception(message)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>What stayed busy, as the log names it ("Incident INC-…").</summary>
    public abstract string Subject { get; }
}
