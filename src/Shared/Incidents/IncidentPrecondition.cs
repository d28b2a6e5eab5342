namespace AutoResponder.Incidents;

/// <summary>The incident changed since the caller read it (HTTP If-Match did not match): 412.</summary>
public sealed class IncidentPreconditionFailedException(string id)
    : Exception($"Incident '{id}' changed since you read it: read it again (its ETag) and retry.")
{
    public string IncidentId { get; } = id;
}

/// <summary>
/// A condition the incident must meet for the current request's change to apply (the HTTP If-Match of an
/// incident action). The API sets it around one action; <see cref="IncidentService.ChangeAsync"/> checks it
/// against every fresh read of the incident row before applying, and commits under that row's ETag — so a
/// change that slips in between the check and the commit makes the commit fail, the retry reread, and the
/// check refuse. No condition set: every change applies as before.
/// </summary>
public static class IncidentPrecondition
{
    private static readonly AsyncLocal<Func<IncidentRecord, bool>?> Current = new();

    public static IDisposable Require(Func<IncidentRecord, bool> holds)
    {
        Current.Value = holds;
        return new Scope();
    }

    /// <exception cref="IncidentPreconditionFailedException">The condition does not hold for <paramref name="incident"/>.</exception>
    public static void Check(IncidentRecord incident)
    {
        if (Current.Value is { } holds && !holds(incident)) throw new IncidentPreconditionFailedException(incident.Id);
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => Current.Value = null;
    }
}
