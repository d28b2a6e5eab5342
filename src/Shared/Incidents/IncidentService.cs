using Microsoft.Extensions.Logging;

namespace AutoResponder.Incidents;

public sealed class IncidentNotFoundException(string id) : Exception($"There is no incident '{id}'.")
{
    public string IncidentId { get; } = id;
}

/// <summary>
/// Human actions on an incident (acknowledge, status update, mitigate, resolve, close): read, apply the
/// lifecycle rule, commit under the row's ETag, and on a concurrent change read again and retry.
/// </summary>
public sealed class IncidentService(IncidentStore store, IncidentIndex index, TimeProvider time, ILogger<IncidentService> log)
{
    public Task<IncidentRecord> AcknowledgeAsync(string id, string owner, string actor, CancellationToken ct) =>
        ChangeAsync(id, (c, now) => IncidentLifecycle.Acknowledge(c, owner, actor, now), ct);

    public Task<IncidentRecord> UpdateStatusAsync(string id, string text, string? nextSteps, DateTimeOffset? eta, string actor, CancellationToken ct) =>
        ChangeAsync(id, (c, now) => IncidentLifecycle.UpdateStatus(c, text, nextSteps, eta, actor, now), ct);

    public Task<IncidentRecord> MitigateAsync(string id, string? text, string actor, CancellationToken ct) =>
        ChangeAsync(id, (c, now) => IncidentLifecycle.Mitigate(c, text, actor, now), ct);

    public Task<IncidentRecord> ResolveAsync(string id, string? text, string actor, CancellationToken ct) =>
        ChangeAsync(id, (c, now) => IncidentLifecycle.Resolve(c, text, actor, now), ct);

    public async Task<IncidentRecord> CloseAsync(string id, string? text, string actor, CancellationToken ct)
    {
        var incident = await ChangeAsync(id, (c, now) => IncidentLifecycle.Close(c, text, actor, now), ct);
        await index.MarkClosedAsync(incident, incident.ClosedAt!.Value, ct);
        return incident;
    }

    /// <summary>
    /// Reads the incident, applies <paramref name="apply"/> (which may throw to refuse), and commits under the
    /// row's ETag; on a concurrent change it reads again and reapplies.
    /// </summary>
    public async Task<IncidentRecord> ChangeAsync(string id, Action<IncidentChange, DateTimeOffset> apply, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var incident = await store.FindAsync(id, ct) ?? throw new IncidentNotFoundException(id);
            IncidentPrecondition.Check(incident); // HTTP If-Match, when the request carried one
            var change = new IncidentChange(incident, isNew: false);
            apply(change, time.GetUtcNow());
            try
            {
                await store.CommitAsync(change, ct);
                if (change.Entries.LastOrDefault() is { } last)
                    log.LogInformation("Incident {IncidentId}: {Kind} by {Actor}", id, last.Kind, last.Actor);
                return incident;
            }
            catch (IncidentConcurrencyException) when (attempt < 10)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
            }
        }
    }
}
