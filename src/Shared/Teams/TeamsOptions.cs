using AutoResponder.Alerts;
using AutoResponder.Graph;
using AutoResponder.Incidents;
using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

/// <summary>
/// Settings under "AutoResponder:Teams" (environment: AutoResponder__Teams__Name). Validated at start-up.
/// </summary>
public sealed class TeamsOptions
{
    public const string Section = "AutoResponder:Teams";
    /// <summary>
    /// Used in file mode when no channel is configured, so local runs still show what would be posted.
    /// </summary>
    public const string LocalTeamId = "local-team", LocalChannelId = "local-channel";

    /// <summary>Post incidents to Teams at all (default true).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>
    /// The service account may read channel messages (delegated ChannelMessage.Read.All, admin-consented). Then a root
    /// post or storm digest whose outcome is unknown (the host died between Graph's answer and its record) is looked for
    /// in the channel before it is posted again. Default false: such a post is made again (at-least-once; see docs/teams.md).
    /// </summary>
    public bool ReadChannelMessages { get; set; }
    /// <summary>The team (group id) incidents go to when no route matches.</summary>
    public string? TeamId { get; set; }
    /// <summary>The channel id (e.g. 19:...@thread.tacv2) incidents go to when no route matches.</summary>
    public string? ChannelId { get; set; }
    /// <summary>
    /// Who is @mentioned on the root post while the incident has no owner (a People name, an Entra object id or a UPN).
    /// </summary>
    public string? OnCall { get; set; }
    /// <summary>First matching route wins; none matches → TeamId/ChannelId/OnCall.</summary>
    public List<TeamsRoute> Routes { get; set; } = [];
    /// <summary>Owner name → Entra user object id, for @mentions (AutoResponder:Teams:People:{name}=id).</summary>
    public Dictionary<string, string> People { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>
    /// Timeline kinds that become a threaded reply (and refresh the root post in place). Unset = the defaults
    /// below. (Null by default because the configuration binder appends to a pre-filled list.)
    /// </summary>
    public List<string>? ReplyKinds { get; set; }
    /// <summary>
    /// Reply kinds that @mention the owner (or, while nobody owns the incident, the on-call person). Unset = defaults.
    /// </summary>
    public List<string>? MentionKinds { get; set; }

    /// <summary>Graph's Teams throttling limits, per app (<see cref="TeamsLimits"/>).</summary>
    public TeamsLimits Limits { get; set; } = new();
    /// <summary>
    /// A storm: more than this many incidents opening for one channel within a minute. Beyond it, Sev2 and below get no
    /// root post of their own but a line in the channel's storm digest (one post per minute, edited in place);
    /// Sev0/Sev1 always get their own. 0 = never digest.
    /// </summary>
    public int StormThreshold { get; set; } = 10;

    public IReadOnlyList<string> EffectiveReplyKinds => ReplyKinds is { Count: > 0 } ? ReplyKinds :
    [
        TimelineKinds.Acknowledged, TimelineKinds.StatusUpdate, TimelineKinds.ImpactSnapshot, TimelineKinds.Mitigated,
        TimelineKinds.Resolved,
        TimelineKinds.Closed, TimelineKinds.Reopened, TimelineKinds.SeverityRaised, TimelineKinds.RcaReminder,
        TimelineKinds.RcaEscalated,
        TimelineKinds.StatusOverdue, TimelineKinds.Postmortem,
        // playbook: switches and the watch (src/Shared/Switches, src/Shared/Watch)
        "switch", "switch-still-on", "switch-nudge", "watch-affected", "watch-handover", "watch-signed-off",
        "watch-ended",
    ];

    public IReadOnlyList<string> EffectiveMentionKinds => MentionKinds is { Count: > 0 } ? MentionKinds :
        [TimelineKinds.Acknowledged, TimelineKinds.RcaReminder, TimelineKinds.RcaEscalated, TimelineKinds.StatusOverdue,
            "switch-nudge", "watch-handover", "watch-affected"];
}

/// <summary>
/// Microsoft's documented Teams limits for Graph
/// (https://learn.microsoft.com/graph/throttling-limits#microsoft-teams-service-limits):
/// at most 4 requests per second per app on a given team or channel, and "POST channel message" 2 per second per app
/// per tenant. Each instance keeps to them on its own (a Function app scaled out to n instances may send n times as
/// much; a 429 then pauses the channel for its Retry-After).
/// </summary>
public sealed class TeamsLimits
{
    /// <summary>Requests (posts, replies, edits) per second on one channel.</summary>
    public double ChannelRequestsPerSecond { get; set; } = 4;
    /// <summary>New channel messages (root posts, replies, digests) per second, all channels together.</summary>
    public double MessagePostsPerSecond { get; set; } = 2;
}

/// <summary>Where incidents of some severities and/or services go. Empty lists match everything.</summary>
public sealed class TeamsRoute
{
    /// <summary>Sev0..Sev4.</summary>
    public List<string> Severities { get; set; } = [];
    /// <summary>Service names, case-insensitive; a trailing * matches a prefix.</summary>
    public List<string> Services { get; set; } = [];
    /// <summary>Defaults to AutoResponder:Teams:TeamId.</summary>
    public string? TeamId { get; set; }
    public string? ChannelId { get; set; }
    /// <summary>Defaults to AutoResponder:Teams:OnCall.</summary>
    public string? OnCall { get; set; }
}

internal sealed class TeamsOptionsValidator(IOptions<GraphOptions> graph) : IValidateOptions<TeamsOptions>
{
    public ValidateOptionsResult Validate(string? name, TeamsOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{TeamsOptions.Section}:{setting} {message}"); }
        if (!o.Enabled) return ValidateOptionsResult.Success;

        var live = graph.Value.EffectiveMode == GraphMode.Live;
        if (live)
        {
            Check(!string.IsNullOrWhiteSpace(o.TeamId), nameof(o.TeamId),
                "is required when Graph is live (the team incidents go to when no route matches).");
            Check(!string.IsNullOrWhiteSpace(o.ChannelId), nameof(o.ChannelId),
                "is required when Graph is live (the channel incidents go to when no route matches).");
        }
        for (var i = 0; i < o.Routes.Count; i++)
        {
            var route = o.Routes[i];
            Check(!string.IsNullOrWhiteSpace(route.ChannelId), $"Routes:{i}:ChannelId", "is required.");
            for (var j = 0; j < route.Severities.Count; j++)
                Check(Enum.TryParse<Severity>(route.Severities[j], ignoreCase: true, out var s) && Enum.IsDefined(s)
                    && !int.TryParse(route.Severities[j], out _),
                    $"Routes:{i}:Severities:{j}", $"'{route.Severities[j]}' is not a severity (Sev0..Sev4).");
            Check(route.Services.All(s => !string.IsNullOrWhiteSpace(s)), $"Routes:{i}:Services",
                "must not contain empty names.");
        }
        Check(o.Limits.ChannelRequestsPerSecond is >= 0.1 and <= 1000, "Limits:ChannelRequestsPerSecond",
            $"must be between 0.1 and 1000 (is {o.Limits.ChannelRequestsPerSecond}).");
        Check(o.Limits.MessagePostsPerSecond is >= 0.1 and <= 1000, "Limits:MessagePostsPerSecond",
            $"must be between 0.1 and 1000 (is {o.Limits.MessagePostsPerSecond}).");
        Check(o.StormThreshold is >= 0 and <= 10_000, nameof(o.StormThreshold),
            $"must be between 0 (never digest) and 10000 (is {o.StormThreshold}).");
        foreach (var (person, id) in o.People)
            Check(!string.IsNullOrWhiteSpace(id), $"People:{person}", "must be the person's Entra user object id.");
        Check(o.EffectiveReplyKinds.All(k => !string.IsNullOrWhiteSpace(k)), nameof(o.ReplyKinds),
            "must not contain empty kinds.");
        Check(!o.EffectiveReplyKinds.Contains(TimelineKinds.ActionDone)
            && !o.EffectiveReplyKinds.Contains(TimelineKinds.ActionFailed), nameof(o.ReplyKinds),
            $"must not contain '{TimelineKinds.ActionDone}' or '{TimelineKinds.ActionFailed}' (Teams actions add " +
            $"those themselves).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
