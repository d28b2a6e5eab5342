using AutoResponder.Incidents;
using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

/// <summary>The channel an incident's root post goes to, and who is on call there.</summary>
public sealed record TeamsTarget(string TeamId, string ChannelId, string? OnCall);

/// <summary>A person Teams can @mention.</summary>
internal sealed record TeamsPerson(string DisplayName, string UserId);

/// <summary>
/// Picks the channel by severity and service (first matching route), and turns owner names into mentionable people.
/// </summary>
internal sealed class TeamsRouting(IOptions<TeamsOptions> options)
{
    public TeamsTarget Route(IncidentRecord incident)
    {
        var o = options.Value;
        foreach (var route in o.Routes)
        {
            var severityOk = route.Severities.Count == 0
                || route.Severities.Contains(incident.SeverityName, StringComparer.OrdinalIgnoreCase);
            var serviceOk = route.Services.Count == 0
                || (incident.Service is { } service && route.Services.Any(p => ServiceMatches(p, service)));
            if (severityOk && serviceOk)
                return new TeamsTarget(route.TeamId ?? DefaultTeam(o), route.ChannelId!, route.OnCall ?? o.OnCall);
        }
        return new TeamsTarget(DefaultTeam(o), o.ChannelId ?? TeamsOptions.LocalChannelId, o.OnCall);
    }

    /// <summary>
    /// A configured name (AutoResponder:Teams:People:{name}) → its object id; an object id (GUID) or a UPN
    /// is used as it is; anything else cannot be mentioned (null) and is shown as plain text.
    /// </summary>
    public TeamsPerson? Resolve(string? who)
    {
        if (string.IsNullOrWhiteSpace(who)) return null;
        who = who.Trim();
        foreach (var (name, id) in options.Value.People)
            if (string.Equals(name, who, StringComparison.OrdinalIgnoreCase)) return new TeamsPerson(name, id);
        if (Guid.TryParse(who, out _)) return new TeamsPerson(who, who);
        if (who.Contains('@') && !who.Contains(' ')) return new TeamsPerson(who, who);
        return null;
    }

    private static string DefaultTeam(TeamsOptions o) => o.TeamId ?? TeamsOptions.LocalTeamId;

    private static bool ServiceMatches(string pattern, string service) =>
        pattern.EndsWith('*')
            ? service.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, service, StringComparison.OrdinalIgnoreCase);
}
