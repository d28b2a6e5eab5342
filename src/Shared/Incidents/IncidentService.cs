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
    /// row's ETag (<see cref="IncidentStore.UpdateAsync"/>: queued behind this process's other writers, a lost
    /// race with another instance reread and reapplied; <see cref="IncidentBusyException"/> when it keeps losing).
    /// </summary>
    public Task<IncidentRecord> ChangeAsync(string id, Action<IncidentChange, DateTimeOffset> apply, CancellationToken ct) =>
        ChangeAsync(id, (change, now) => { apply(change, now); return Task.CompletedTask; }, ct);

    /// <summary>As above, for a change that also reads (e.g. a feature's state row, which it then writes under that row's ETag).</summary>
    public async Task<IncidentRecord> ChangeAsync(string id, Func<IncidentChange, DateTimeOffset, Task> apply, CancellationToken ct)
    {
        IncidentChange? last = null;
        var incident = await store.UpdateAsync(id, async current =>
        {
            IncidentPrecondition.Check(current); // HTTP If-Match, when the request carried one
            last = new IncidentChange(current, isNew: false);
            await apply(last, time.GetUtcNow());
            return last;
        }, ct);
        if (last?.Entries.LastOrDefault() is { } entry)
            log.LogInformation("Incident {IncidentId}: {Kind} by {Actor}", id, entry.Kind, entry.Actor);
        return incident;
    }
}
