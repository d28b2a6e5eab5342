using AutoResponder.Access;
using AutoResponder.Hosting;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Actions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Outbox;

/// <summary>No parked action matches the request (unknown id, or the action is not parked).</summary>
internal sealed class NothingToRetryException(string field, string message, bool notFound) : Exception(message)
{
    public string Field { get; } = field;
    public bool NotFound { get; } = notFound;
}

/// <summary>
/// Re-drives parked (failed) outbox actions once a person has fixed the cause (a mailbox, a channel, a setting):
/// each goes back to pending with fresh attempts, due now, in one transaction with an "action-retried" timeline
/// entry naming who did it; the runner is signalled. Handlers check what they recorded, so nothing is done twice.
/// </summary>
internal sealed class OutboxRetry(IncidentStore store, IncidentCommits commits, IncidentIndex index,
    IOutboxSignal signal, OutboxLanes lanes, TimeProvider time, ILogger<OutboxRetry> log)
{
    /// <summary>
    /// Re-drives <paramref name="actionId"/>, or every parked action of the incident when it is null.
    /// </summary>
    public async Task<IncidentRecord> RetryAsync(string incidentId, string? actionId, string actor,
        CancellationToken ct)
    {
        var incident = await store.FindAsync(incidentId, ct) ?? throw new IncidentNotFoundException(incidentId);
        var actions = await store.GetActionsAsync(incidentId, Enum.GetValues<OutboxStatus>(), ct);
        List<OutboxAction> parked;
        if (actionId is null)
        {
            parked = actions.Where(a => a.Status == OutboxStatus.Failed).OrderBy(a => a.RowKey, StringComparer.Ordinal)
                .ToList();
            if (parked.Count == 0) throw new NothingToRetryException("actions",
                $"Incident {incidentId} has no parked actions.", notFound: false);
        }
        else
        {
            var action = actions.FirstOrDefault(a => a.Id == actionId)
                ?? throw new NothingToRetryException("actionId", $"Incident {incidentId} has no action '{actionId}'.",
                    notFound: true);
            if (action.Status != OutboxStatus.Failed)
                throw new NothingToRetryException("actionId",
                    $"Action '{actionId}' ({action.Kind}) is {action.StatusName.ToLowerInvariant()}, not parked: " +
                    $"only failed actions can be retried.", notFound: false);
            parked = [action];
        }

        var now = time.GetUtcNow();
        var change = IncidentChange.Beside(incident);
        foreach (var action in parked)
        {
            action.Status = OutboxStatus.Pending;
            action.Attempts = 0;
            action.Outages = 0;
            action.NextAttemptAt = now;
            action.CompletedAt = null;
            action.LeaseUntil = null;
            action.LastError = action.LastError is null
                ? $"Retried by {actor}."
                : Truncate($"Retried by {actor}; it had failed with: {action.LastError}", 1000);
            change.Upserts.Add(action);
        }
        change.Add(now, TimelineKinds.ActionRetried, actor,
            $"{actor} retried {string.Join(", ", parked.Select(a => $"'{a.Kind}'"))} (parked as failed).");
        // before the commit: the sweep must find them even if the signal is lost
        await index.MarkOutboxPendingAsync(incidentId, ct);
        await commits.CommitAsync(change, ct);
        // after: a failure leaves a hint health rechecks
        foreach (var action in parked) await index.ClearParkedAsync(incidentId, action.Id, ct);
        await signal.SignalOwedAsync(lanes, OutboxMessage.For(incident), parked.Select(a => a.Kind), TimeSpan.Zero, ct);
        log.LogInformation("{Actor} retried {Count} parked action(s) of {IncidentId}", actor, parked.Count, incidentId);
        return incident;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}

/// <summary>
/// POST /api/incidents/{id}/actions/retry (every parked action) and POST /api/incidents/{id}/actions/{actionId}/retry:
/// the actor is the signed-in caller; answers 200 with the incident, 404 for an unknown incident or action, 409 when
/// nothing is parked.
/// </summary>
internal sealed class OutboxRetryEndpoint(OutboxRetry retry, IncidentActionRequest actions,
    IOptions<AutoResponderOptions> options)
{
    public Task<ApiResult> RetryAllAsync(HttpRequest request, Caller caller, string id, CancellationToken ct)
        => RunAsync(request, caller, id, null, ct);

    public Task<ApiResult> RetryOneAsync(HttpRequest request, Caller caller, string id, string actionId,
        CancellationToken ct) => RunAsync(request, caller, id, actionId, ct);

    private Task<ApiResult> RunAsync(HttpRequest request, Caller caller, string id, string? actionId,
        CancellationToken ct) =>
        actions.RunAsync(request, caller, id, options.Value.MaxRequestBytes, requireBody: false, async (_, actor, _) =>
        {
            try
            {
                return await actions.RespondWithIncidentAsync(retry.RetryAsync(id, actionId, actor, ct), ct);
            }
            catch (NothingToRetryException e)
            {
                return e.NotFound
                    ? Problems.Create(StatusCodes.Status404NotFound, "Action not found", e.Message, e.Field)
                    : Problems.Create(StatusCodes.Status409Conflict, "Nothing to retry", e.Message, e.Field);
            }
        }, ct);
}

internal static class OutboxRetryServices
{
    /// <summary>Re-driving parked actions: the service and its HTTP endpoint.</summary>
    public static IServiceCollection AddOutboxRetry(this IServiceCollection services) =>
        services.AddSingleton<OutboxRetry>().AddSingleton<OutboxRetryEndpoint>();
}
