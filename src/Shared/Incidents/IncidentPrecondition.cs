namespace AutoResponder.Incidents;

/// <summary>The incident changed since the caller read it (HTTP If-Match did not match): 412.</summary>
internal sealed class IncidentPreconditionFailedException(string id)
    : Exception($"Incident '{id}' changed since you read it: read it again (its ETag) and retry.")
{
    public string IncidentId { get; } = id;
}

/// <summary>
/// A condition the incident must meet for a change to apply (the HTTP If-Match of an incident action), passed down with
/// the change.
/// <see cref="IncidentService.ChangeAsync(string, IncidentPrecondition?, Func{IncidentChange, DateTimeOffset, Task}, CancellationToken)"/>
/// checks it against every fresh read of the incident row before applying, and commits under that row's ETag — so a
/// change that slips in between the check and the commit makes the commit fail, the retry reread, and the check refuse.
/// Null: every change applies.
/// </summary>
public sealed record IncidentPrecondition(Func<IncidentRecord, bool> Holds)
{
    /// <exception cref="IncidentPreconditionFailedException">The condition does not hold for
    /// <paramref name="incident"/>.</exception>
    public void Check(IncidentRecord incident)
    {
        if (!Holds(incident)) throw new IncidentPreconditionFailedException(incident.Id);
    }
}
