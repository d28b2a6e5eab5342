namespace AutoResponder.Incidents;

/// <summary>
/// Short lines a feature wants called out in every message about an incident — status emails and RCA reminders — such
/// as "maintenance-banner on since 18:05 UTC". Register with <c>services.AddSingleton&lt;IIncidentNotices,
/// MyNotices&gt;()</c>.
/// </summary>
internal interface IIncidentNotices
{
    Task<IReadOnlyList<string>> ForAsync(IncidentRecord incident, CancellationToken cancellationToken);
}

internal static class IncidentNoticesExtensions
{
    /// <summary>All registered features' notices, in registration order.</summary>
    public static async Task<IReadOnlyList<string>> CollectAsync(this IEnumerable<IIncidentNotices> sources,
        IncidentRecord incident, CancellationToken ct)
    {
        var lines = new List<string>();
        foreach (var source in sources) lines.AddRange(await source.ForAsync(incident, ct));
        return lines;
    }
}
