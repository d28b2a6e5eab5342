using Microsoft.Extensions.Logging;

namespace AutoResponder.Incidents;

internal sealed class IncidentNotFoundException(string id) : Exception($"There is no incident '{id}'.")
{
    public string IncidentId { get; } = id;
}

/// <summary>
/// Human actions on an incident (acknowledge, status update, mitigate, resolve, close): read, check the caller's
/// precondition (If-Match), apply the lifecycle rule, commit under the row's ETag, and on a concurrent change read
/// again and retry.
/// </summary>
public sealed class IncidentService(IncidentCommits commits, IncidentIndex index, TimeProvider time,
    ILogger<IncidentService> log)
{
    // Without a precondition (the console, drills, background work).
    public Task<IncidentRecord> AcknowledgeAsync(string id, string owner, string actor, CancellationToken ct)
        => AcknowledgeAsync(id, owner, actor, null, ct);
    public Task<IncidentRecord> UpdateStatusAsync(string id, string text, string? nextSteps, DateTimeOffset? eta,
        string actor, CancellationToken ct) =>
        UpdateStatusAsync(id, text, nextSteps, eta, actor, null, ct);
    public Task<IncidentRecord> MitigateAsync(string id, string? text, string actor, CancellationToken ct)
        => MitigateAsync(id, text, actor, null, ct);
    public Task<IncidentRecord> ResolveAsync(string id, string? text, string actor, CancellationToken ct)
        => ResolveAsync(id, text, actor, null, ct);
    public Task<IncidentRecord> CloseAsync(string id, string? text, string actor, CancellationToken ct)
        => CloseAsync(id, text, actor, null, ct);

    // With the caller's If-Match (null: none sent).
    /// <summary>
    /// Acknowledges, or hands ownership over. Acknowledging again as the present owner (a double click, a retried
    /// request) changes nothing: no hand-over entry, nothing announced, the same ETag.
    /// </summary>
    public Task<IncidentRecord> AcknowledgeAsync(string id, string owner, string actor, IncidentPrecondition? ifMatch,
        CancellationToken ct) =>
        ChangeAsync(id, ifMatch, (c, now) =>
        {
            IncidentLifecycle.Acknowledge(c, owner, actor, now);
            return Task.CompletedTask;
        }, ct, unchanged: current => IncidentLifecycle.OwnedBy(current, owner));

    public Task<IncidentRecord> UpdateStatusAsync(string id, string text, string? nextSteps, DateTimeOffset? eta,
        string actor, IncidentPrecondition? ifMatch, CancellationToken ct) =>
        ChangeAsync(id, ifMatch, (c, now) => IncidentLifecycle.UpdateStatus(c, text, nextSteps, eta, actor, now), ct);

    public Task<IncidentRecord> MitigateAsync(string id, string? text, string actor, IncidentPrecondition? ifMatch,
        CancellationToken ct) =>
        ChangeAsync(id, ifMatch, (c, now) => IncidentLifecycle.Mitigate(c, text, actor, now), ct);

    public Task<IncidentRecord> ResolveAsync(string id, string? text, string actor, IncidentPrecondition? ifMatch,
        CancellationToken ct) =>
        ChangeAsync(id, ifMatch, (c, now) => IncidentLifecycle.Resolve(c, text, actor, now), ct);

    public async Task<IncidentRecord> CloseAsync(string id, string? text, string actor, IncidentPrecondition? ifMatch,
        CancellationToken ct)
    {
        var incident = await ChangeAsync(id, ifMatch, (c, now) => IncidentLifecycle.Close(c, text, actor, now), ct);
        await index.MarkClosedAsync(incident, incident.ClosedAt!.Value, ct);
        return incident;
    }

    /// <summary>A change with no precondition (background work, or a caller that sent no If-Match).</summary>
    public Task<IncidentRecord> ChangeAsync(string id, Action<IncidentChange, DateTimeOffset> apply,
        CancellationToken ct) =>
        ChangeAsync(id, null, apply, ct);

    /// <summary>
    /// Reads the incident, checks <paramref name="ifMatch"/>, applies <paramref name="apply"/> (which may throw to
    /// refuse), and commits under the row's ETag (<see cref="IncidentCommits.UpdateAsync"/>: queued behind this
    /// process's other writers, a lost race with another instance reread and reapplied;
    /// <see cref="IncidentBusyException"/> when it keeps losing).
    /// </summary>
    public Task<IncidentRecord> ChangeAsync(string id, IncidentPrecondition? ifMatch,
        Action<IncidentChange, DateTimeOffset> apply, CancellationToken ct) =>
        ChangeAsync(id, ifMatch, (change, now) => { apply(change, now); return Task.CompletedTask; }, ct);

    /// <summary>
    /// As above, for a change that also reads (e.g. a feature's state row, which it then writes under that row's ETag).
    /// </summary>
    public Task<IncidentRecord> ChangeAsync(string id, Func<IncidentChange, DateTimeOffset, Task> apply,
        CancellationToken ct) =>
        ChangeAsync(id, null, apply, ct);

    public Task<IncidentRecord> ChangeAsync(string id, IncidentPrecondition? ifMatch,
        Func<IncidentChange, DateTimeOffset, Task> apply, CancellationToken ct) =>
        ChangeAsync(id, ifMatch, apply, ct, unchanged: null);

    /// <summary>
    /// As above; when <paramref name="unchanged"/> says the incident already is as asked, nothing is written and it is
    /// returned as it is.
    /// </summary>
    private async Task<IncidentRecord> ChangeAsync(string id, IncidentPrecondition? ifMatch,
        Func<IncidentChange, DateTimeOffset, Task> apply, CancellationToken ct, Func<IncidentRecord, bool>? unchanged)
    {
        IncidentChange? last = null;
        var incident = await commits.UpdateAsync(id, async current =>
        {
            ifMatch?.Check(current);
            if (unchanged?.Invoke(current) == true) return last = null;
            last = new IncidentChange(current, isNew: false);
            await apply(last, time.GetUtcNow());
            return last;
        }, ct);
        if (last?.Entries.LastOrDefault() is { } entry)
            log.LogInformation("Incident {IncidentId}: {Kind} by {Actor}", id, entry.Kind, entry.Actor);
        return incident;
    }
}
