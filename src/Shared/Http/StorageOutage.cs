using AutoResponder.Storage;
using Azure;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Http;

/// <summary>
/// Turns "storage is unreachable or failing" into a 503 problem, so senders retry (Azure Monitor retries
/// 503; Alertmanager retries any 5xx) instead of seeing a bare 500. Alerts already filed before the failure
/// come back as duplicates on the retry. A record that stays busy (<see cref="BusyException"/>, such as an incident) is
/// a 503 with Retry-After too.
/// </summary>
internal static class StorageOutage
{
    public static async Task<ApiResult> GuardAsync(Func<Task<ApiResult>> handle, ILogger log)
    {
        try
        {
            return await handle();
        }
        catch (BusyException e)
        {
            log.LogWarning("{Subject} busy: answered 503 with Retry-After", e.Subject);
            return Problems.Busy(e);
        }
        catch (Exception e) when (IsOutage(e))
        {
            log.LogError(e, "Storage unavailable while handling a request");
            return Problems.Unavailable("Incident storage is unavailable right now; retry shortly. Nothing from this " +
                "request was lost: a retry is recognised.");
        }
    }

    /// <summary>
    /// Server-side or connection failures, including the SDK's "retry failed" aggregate; never a client error.
    /// </summary>
    public static bool IsOutage(Exception e) => e switch
    {
        RequestFailedException r => r.Status is 0 or >= 500,
        HttpRequestException or TimeoutException => true,
        // the SDK's network timeout (a storage node that never answers), or the caller gone: either way, retry
        OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsOutage),
        _ => false,
    };
}
