namespace AutoResponder.Incidents;

/// <summary>open → acknowledged → mitigated → resolved → closed.</summary>
public enum IncidentStatus { Open, Acknowledged, Mitigated, Resolved, Closed }

internal static class IncidentStatusText
{
    public static string ToApi(this IncidentStatus status) => status.ToString().ToLowerInvariant();

    public static bool TryParse(string? value, out IncidentStatus status) =>
        Enum.TryParse(value, ignoreCase: true, out status) && Enum.IsDefined(status) && !int.TryParse(value, out _);

    /// <summary>Open, acknowledged or mitigated: alerts still append to it.</summary>
    public static bool IsLive(this IncidentStatus status)
        => status is IncidentStatus.Open or IncidentStatus.Acknowledged or IncidentStatus.Mitigated;
}
