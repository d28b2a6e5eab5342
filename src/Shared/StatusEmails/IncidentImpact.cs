using System.Globalization;
using AutoResponder.Impact;
using AutoResponder.Impact.Snapshots;
using AutoResponder.Incidents;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The incident's impact for status emails and the postmortem draft: the latest impact snapshot the impact
/// feature recorded (<see cref="ImpactState"/>, the one contract between the two), read with one point read from the
/// ImpactSnapshots table (orders, customers, money at risk per currency). Empty when none was taken yet.
/// </summary>
public sealed class IncidentImpact(IncidentStates states, ImpactSnapshotStore snapshots)
{
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> LinesAsync(string incidentId, CancellationToken ct) =>
        await snapshots.LatestAsync(await states.ReadAsync<ImpactState>(incidentId, ct), ct) is { } latest ? Lines(latest) : [];

    public static IReadOnlyList<KeyValuePair<string, string>> Lines(ImpactSnapshotRecord s)
    {
        var inv = CultureInfo.InvariantCulture;
        var money = s.MoneyAtRisk();
        return
        [
            new("Affected orders", s.Orders.ToString("N0", inv)),
            new("Affected customers", (s.CustomersApproximate ? "~" : "") + s.Customers.ToString("N0", inv)),
            new("Money at risk", money.Count == 0 ? "none" : string.Join(", ", money.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value.ToString("N2", inv)}"))),
            new("As of", $"snapshot {s.SnapshotId}, {StatusEmailRenderer.Time(s.TakenAt)}"),
        ];
    }
}
