namespace AutoResponder.Incidents;

/// <summary>
/// Decides which side effects a timeline entry owes. Each feature (Teams, email, impact, reminders)
/// registers one; the commit pipeline (<see cref="IncidentCommits"/>) asks all of them before committing a change.
/// </summary>
public interface IIncidentEffect
{
    IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry);
}

/// <summary>
/// Told after a commit that stored outbox actions, so they run soon (the outbox's queue signal; the minute sweep is the
/// fallback when it is lost). Implemented by the outbox, so incidents do not depend on how the outbox is woken.
/// </summary>
public interface IOwedActionsSignal
{
    Task OwedAsync(IncidentRecord incident, IEnumerable<string> kinds, CancellationToken ct);
}
