using System.Globalization;
using AutoResponder.Impact;
using AutoResponder.Incidents;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The incident's impact for status emails and the postmortem draft: the latest impact snapshot the impact
/// feature recorded (<see cref="ImpactState"/>, the one contract between the two), read with one point read from the
/// ImpactSnapshots table (orders, customers, money at risk per measure and currency, the rules and why). Empty when
/// none was taken yet.
/// </summary>
internal sealed class IncidentImpact(IncidentStates states, ImpactSnapshotStore snapshots)
{
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> LinesAsync(string incidentId,
        CancellationToken ct) =>
        await snapshots.LatestAsync(await states.ReadAsync<ImpactState>(incidentId, ct), ct) is { } latest
            ? Lines(latest) : [];

    public static IReadOnlyList<KeyValuePair<string, string>> Lines(ImpactSnapshotRecord s)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<KeyValuePair<string, string>>
        {
            new("Affected orders", s.Orders.ToString("N0", inv)),
            new("Affected customers", (s.CustomersApproximate ? "~" : "") + s.Customers.ToString("N0", inv)),
        };
        // What the money means, named by measure: "Underpaid" (price rules), "Order value at risk" (all orders),
        // "Amount stuck".
        var money = ImpactSnapshotHandler.MoneyLines(s);
        if (money.Count == 0) lines.Add(new("Money at risk", "none"));
        lines.AddRange(money.Select(m =>
            new KeyValuePair<string, string>(m.Measure, ImpactSnapshotHandler.Amounts(m.Amounts))));
        if (s.Applied() is { Count: > 0 } applied)
            lines.Add(new("Impact rules", string.Join("; ", applied.Select(a => $"{a.Name} ({a.Why})"))));
        if (s.Supersedes is { } earlier)
            lines.Add(new("Corrected", $"by {s.CorrectedBy ?? "a responder"}; supersedes snapshot {earlier}"));
        lines.Add(new("As of", $"snapshot {s.SnapshotId}, {StatusEmailRenderer.Time(s.TakenAt)}"));
        return lines;
    }
}
