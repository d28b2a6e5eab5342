using AutoResponder.Incidents.Resources;

namespace AutoResponder.Incidents.Actions;

/// <summary>
/// The incident as the API shows it (the incident resource, composed of every feature's state). Implemented above the
/// features (Incidents.Api) and injected, so an action can answer with the incident without depending on the API.
/// </summary>
public interface IIncidentResourceReader
{
    Task<IncidentResource> ReadAsync(IncidentRecord incident, CancellationToken ct);
}
