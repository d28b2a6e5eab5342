using AutoResponder.Incidents;

namespace AutoResponder.Impact;

/// <summary>
/// The stretch of time whose orders an incident may have touched: from its first alert's start (else when it
/// opened) minus the lookback, to its mitigation or resolution, or to now while it is open. Both ends inclusive.
/// A window longer than the cap keeps its end and loses its start (<see cref="Truncated"/>).
/// </summary>
public sealed record ImpactWindow(DateTimeOffset From, DateTimeOffset To, bool Open, bool Truncated)
{
    public static ImpactWindow For(IncidentRecord incident, ImpactOptions options, DateTimeOffset now)
    {
        var start = (incident.FirstAlertAt ?? incident.OpenedAt).AddMinutes(-options.LookbackMinutes);
        var closedAt = incident.MitigatedAt ?? incident.ResolvedAt;
        var end = closedAt ?? now;
        if (end < start) end = start;
        var earliest = end.AddHours(-options.MaxWindowHours);
        return start < earliest
            ? new ImpactWindow(earliest, end, closedAt is null, Truncated: true)
            : new ImpactWindow(start, end, closedAt is null, Truncated: false);
    }
}
