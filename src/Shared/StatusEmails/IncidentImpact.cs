using System.Globalization;
using AutoResponder.Impact;
using AutoResponder.Impact.Snapshots;
using AutoResponder.Incidents;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The incident's impact for status emails and the postmortem draft: the latest impact snapshot the impact
/// feature recorded on the incident ("impact.latest.snapshotId"), read with one point read from the
/// ImpactSnapshots table (orders, customers, money at risk per currency). Empty when none was taken yet.
/// </summary>
public sealed class IncidentImpact(ImpactSnapshotStore snapshots)
{
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> LinesAsync(string incidentId, IReadOnlyDictionary<string, string> effects, CancellationToken ct)
    {
        if (!effects.TryGetValue(ImpactKinds.LatestSnapshotId, out var id) || !int.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sequence))
            return [];
        var row = await snapshots.Table.GetEntityIfExistsAsync<ImpactSnapshotRecord>(incidentId, ImpactSnapshotRecord.Key(sequence), cancellationToken: ct);
        return row.HasValue ? Lines(row.Value!) : [];
    }

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
