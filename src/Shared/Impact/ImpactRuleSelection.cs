using System.Text.Json;
using AutoResponder.Incidents;

namespace AutoResponder.Impact;

/// <summary>
/// A rule that applies to an incident, with who selected it ("alert", "service", "catch-all" or "responder") and why.
/// </summary>
public sealed record SelectedRule(ImpactRule Rule, string SelectedBy, string Why);

/// <summary>
/// What the responder corrected: rules chosen (added to the automatic selection) and rules excluded from it.
/// </summary>
public sealed record ImpactCorrection(IReadOnlyList<string> Chosen, IReadOnlyList<string> Excluded, string? By,
    DateTimeOffset? At)
{
    public static ImpactCorrection None { get; } = new([], [], null, null);
    public bool IsNone => Chosen.Count == 0 && Excluded.Count == 0;
}

/// <summary>
/// Which rules apply to an incident, most specific first. For each of its alerts, the rules that fit it
/// (<see cref="ImpactRule.Match"/>) at the best tier apply: rules with alert matchers (rule name, title, label, source)
/// beat service-only rules, which beat catch-alls — so a catch-all applies only to an alert nothing more specific fits.
/// The incident's rules are the union over its alerts, ordered by tier, then by how many things matched, then by
/// configuration order (ties only). The responder's correction adds chosen rules (first: their word is the most
/// specific) and removes excluded ones. The order matters: the first rule that selects an order claims it.
/// </summary>
internal static class ImpactRuleSelection
{
    public const string ByResponder = "responder";

    public static IReadOnlyList<SelectedRule> Select(IReadOnlyList<ImpactRule> rules, IncidentRecord incident,
        IReadOnlyList<AlertRecord> alerts, ImpactCorrection correction)
    {
        var facts = alerts.Count > 0 ? alerts.Select(AlertFacts.Of).ToList() : [AlertFacts.Of(incident)];
        var best = new Dictionary<ImpactRule, (RuleMatch Match, string Title)>();
        foreach (var alert in facts)
        {
            var fits = rules.Select(r => (Rule: r, Match: r.Match(alert))).Where(m => m.Match is not null).ToList();
            if (fits.Count == 0) continue;
            var tier = fits.Max(m => m.Match!.Tier);
            foreach (var (rule, match) in fits.Where(m => m.Match!.Tier == tier))
                if (!best.TryGetValue(rule, out var known) || match!.Facts > known.Match.Facts)
                    best[rule] = (match!, alert.Title);
        }

        var chosen = new HashSet<string>(correction.Chosen, StringComparer.OrdinalIgnoreCase);
        var excluded = new HashSet<string>(correction.Excluded, StringComparer.OrdinalIgnoreCase);
        var selected = rules.Where(r => chosen.Contains(r.Name))
            .Select(r => new SelectedRule(r, ByResponder, $"chosen by {correction.By ?? "a responder"}")).ToList();
        foreach (var (rule, (match, title)) in best.OrderByDescending(b => b.Value.Match.Tier)
            .ThenByDescending(b => b.Value.Match.Facts).ThenBy(b => b.Key.Index))
        {
            if (chosen.Contains(rule.Name) || excluded.Contains(rule.Name)) continue;
            selected.Add(new SelectedRule(rule, TierName(match.Tier), $"{match.Why} (alert \"{title}\")"));
        }
        return selected;
    }

    public static string TierName(MatchTier tier) => tier switch
    {
        MatchTier.Alert => "alert",
        MatchTier.Service => "service",
        _ => "catch-all",
    };
}

/// <summary>
/// The responder's correction of an incident's impact rules (row <c>state|impact-rules</c>), written with the
/// "impact-rules-corrected" timeline entry that owes the corrected snapshot. Rule names as JSON arrays.
/// </summary>
internal sealed class ImpactRulesState : IncidentState
{
    public const string Key = Prefix + "impact-rules";

    public ImpactRulesState() => RowKey = Key;

    public string ChosenJson { get; set; } = "[]";
    public string ExcludedJson { get; set; } = "[]";
    public string? By { get; set; }
    public DateTimeOffset? At { get; set; }
    /// <summary>Corrections made so far.</summary>
    public int Corrections { get; set; }

    public ImpactCorrection Correction() => new(
        JsonSerializer.Deserialize<List<string>>(ChosenJson) ?? [],
        JsonSerializer.Deserialize<List<string>>(ExcludedJson) ?? [], By, At);
}
