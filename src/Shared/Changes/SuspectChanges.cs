using AutoResponder.Incidents;
using Microsoft.Extensions.Options;

namespace AutoResponder.Changes;

/// <summary>
/// An incident's suspects: the changes to its service and the services it depends on that happened in the
/// <see cref="ChangesOptions.LookbackHours"/> before its first alert, newest first. Read when asked, never copied into
/// the incident, so a change reported late (after the incident opened) but dated before the first alert still shows.
/// </summary>
public sealed class SuspectChanges(ChangeStore store, ChangeMapping mapping, IOptions<ChangesOptions> options)
    : IIncidentSuspects
{
    public const int MaxListed = 200;

    public sealed record Window(IReadOnlyList<string> Services, DateTimeOffset From, DateTimeOffset To);

    public Window WindowOf(IncidentRecord incident)
    {
        var to = incident.FirstAlertAt ?? incident.OpenedAt;
        var services = ChangeRow.IsValidService(incident.Service)
            ? mapping.WithDependencies(incident.Service!.Trim()) : [];
        return new(services, to.AddHours(-options.Value.LookbackHours), to);
    }

    public async Task<List<ChangeRow>> ListAsync(IncidentRecord incident, int max, CancellationToken ct)
    {
        var window = WindowOf(incident);
        var reads = window.Services.Select(s => store.ListAsync(s, window.From, window.To, max, ct));
        var rows = (await Task.WhenAll(reads)).SelectMany(r => r);
        return rows.OrderByDescending(r => r.At).ThenByDescending(r => r.RowKey, StringComparer.Ordinal).Take(max)
            .ToList();
    }

    public async Task<IReadOnlyList<SuspectLine>> ForAsync(IncidentRecord incident, int max,
        CancellationToken cancellationToken) =>
        (await ListAsync(incident, max, cancellationToken))
            .Select(r => new SuspectLine(r.At, r.Service, Line(r), r.Link)).ToList();

    private static string Line(ChangeRow row) =>
        row.Summary + (row.Author is null ? "" : $" (by {row.Author})");
}
