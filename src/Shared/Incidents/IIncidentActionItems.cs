namespace AutoResponder.Incidents;

/// <summary>One action item of an incident, as documents show it.</summary>
public sealed record ActionItemLine(string ItemId, string Title, string Owner, DateTimeOffset DueAt, string Status,
    string? Reason, string? Link);

/// <summary>
/// An incident's action items (implemented by the ActionItems feature; read by the postmortem draft).
/// </summary>
internal interface IIncidentActionItems
{
    Task<IReadOnlyList<ActionItemLine>> ForAsync(string incidentId, CancellationToken cancellationToken);
}
