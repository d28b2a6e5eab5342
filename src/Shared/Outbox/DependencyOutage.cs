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
public static class DependencyOutage
{
    public static bool Is(Exception error) => error switch
    {
        PermanentOutboxException or OutboxWaitException => false,
        HttpRequestException h => h.StatusCode is null || IsOutageStatus((int)h.StatusCode),
        ApiException a => IsOutageStatus(a.ResponseStatusCode), // Graph (Kiota) errors, ODataError included
        RequestFailedException r => IsOutageStatus(r.Status),   // Azure SDK (storage, Service Bus management)
        TimeoutException or OperationCanceledException or SocketException => true, // an IOException counts only over a socket (below)
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(Is),
        _ => error.InnerException is { } inner && Is(inner),
    };

    /// <summary>0 = no response at all.</summary>
    public static bool IsOutageStatus(int status) => status is 0 or 408 or 429 or >= 500;
}
