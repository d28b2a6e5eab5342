using System.Net.Sockets;
using Azure;
using Microsoft.Kiota.Abstractions;

namespace AutoResponder.Outbox;

/// <summary>
/// Tells an outage of a dependency (Graph, storage, Service Bus) from a failure of the action itself. An outage —
/// 5xx, 429, 408, a timeout, a refused or dropped connection — says nothing about the action: it waits with capped
/// backoff and spends no attempts, however long the outage lasts, so it is never parked for it. Anything else
/// (a 4xx, a bug, bad data) spends an attempt and is parked at the maximum.
/// </summary>
internal static class DependencyOutage
{
    public static bool Is(Exception error) => error switch
    {
        PermanentOutboxException or OutboxWaitException => false,
        DependencyThrottledException => true,
        HttpRequestException h => h.StatusCode is null || IsOutageStatus((int)h.StatusCode),
        ApiException a => IsOutageStatus(a.ResponseStatusCode), // Graph (Kiota) errors, ODataError included
        RequestFailedException r => IsOutageStatus(r.Status),   // Azure SDK (storage, Service Bus management)
        // an IOException counts only over a socket (below)
        TimeoutException or OperationCanceledException or SocketException => true,
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(Is),
        _ => error.InnerException is { } inner && Is(inner),
    };

    /// <summary>
    /// The wait a throttled or unavailable dependency asked for (a Graph answer's <c>Retry-After</c>, in seconds or as
    /// an HTTP date), or null when it named none.
    /// </summary>
    public static TimeSpan? RetryAfter(Exception error, DateTimeOffset now) => error switch
    {
        DependencyThrottledException throttled => throttled.RetryAfter,
        ApiException { ResponseHeaders: { } headers } => headers
            .Where(h => string.Equals(h.Key, "Retry-After", StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value).Select(v => ParseRetryAfter(v, now)).FirstOrDefault(d => d is not null),
        AggregateException all => all.InnerExceptions.Select(e => RetryAfter(e, now))
            .FirstOrDefault(d => d is not null),
        _ => error.InnerException is { } inner ? RetryAfter(inner, now) : null,
    };

    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (int.TryParse(value.Trim(), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(seconds);
        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? (at > now ? at - now : TimeSpan.Zero)
            : null;
    }

    /// <summary>0 = no response at all.</summary>
    public static bool IsOutageStatus(int status) => status is 0 or 408 or 429 or >= 500;
}
