namespace AutoResponder.Incidents;

/// <summary>One change that may have caused an incident, as messages show it.</summary>
public sealed record SuspectLine(DateTimeOffset At, string Service, string Text, string? Link);

/// <summary>
/// The changes that may have caused an incident, newest first, read when a message is rendered (a change recorded after
/// the incident opened still shows). Implemented by the Changes feature; Teams, status e-mails, the postmortem draft
/// and the console read it without knowing how changes are stored.
/// </summary>
public interface IIncidentSuspects
{
    Task<IReadOnlyList<SuspectLine>> ForAsync(IncidentRecord incident, int max, CancellationToken cancellationToken);
}

internal static class IncidentSuspectsExtensions
{
    /// <summary>
    /// The newest <paramref name="max"/> suspects of every registered source (none when no source is registered).
    /// </summary>
    public static async Task<IReadOnlyList<SuspectLine>> NewestAsync(this IEnumerable<IIncidentSuspects> sources,
        IncidentRecord incident, int max, CancellationToken ct)
    {
        var lines = new List<SuspectLine>();
        foreach (var source in sources) lines.AddRange(await source.ForAsync(incident, max, ct));
        return lines.OrderByDescending(l => l.At).Take(max).ToList();
    }

    public static string Describe(this SuspectLine line)
        => $"{line.At.ToUniversalTime():yyyy-MM-dd HH:mm} UTC · {line.Service} · {line.Text}";
}
