using AutoResponder.Incidents;

namespace AutoResponder.Teams;

/// <summary>
/// The incident's Teams thread (row <c>state|teams</c>): where the root post is, what it shows now, and the impact
/// line it carries. Written the moment Graph answers, so a retried action finds the post instead of posting twice.
/// Each threaded reply is a <see cref="SentMarker"/> of its own (<see cref="ReplyMarker"/>).
/// </summary>
public sealed class TeamsState : IncidentState
{
    public const string Key = Prefix + "teams";

    public TeamsState() => RowKey = Key;

    public string? TeamId { get; set; }
    public string? ChannelId { get; set; }
    public string? RootMessageId { get; set; }
    public string? WebUrl { get; set; }
    /// <summary>Fingerprint of what the root post shows now; an equal one needs no PATCH.</summary>
    public string? RootFingerprint { get; set; }
    /// <summary>The latest impact snapshot text (truncated), shown on the root post.</summary>
    public string? Impact { get; set; }
    public DateTimeOffset? PostedAt { get; set; }
    /// <summary>
    /// When a root post was last sent to Graph; set while <see cref="RootMessageId"/> is not: the outcome of that post
    /// is unknown.
    /// </summary>
    public DateTimeOffset? RootPostingSince { get; set; }
    /// <summary>
    /// The storm digest the incident is listed in instead of a root post (<see cref="TeamsDigest"/>), until it gets its
    /// own thread.
    /// </summary>
    public string? Digest { get; set; }

    /// <summary>
    /// The marker of the reply to one timeline entry; its <see cref="SentMarker.Ref"/> is the reply's message id.
    /// </summary>
    public static string ReplyMarker(string entryRowKey) => SentMarker.KeyFor("teams-reply", entryRowKey);
}
