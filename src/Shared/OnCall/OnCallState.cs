using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using AutoResponder.Incidents;

namespace AutoResponder.OnCall;

/// <summary>Timeline kinds of on-call paging, spelled once (its outbox kinds: <see cref="OnCallOutbox"/>).</summary>
public static class OnCallKinds
{
    public const string Paged = "paged";
    public const string Escalated = "escalated";
    public const string PageSent = "page-sent";
    public const string EscalationStopped = "escalation-stopped";
    public const string EscalationExhausted = "escalation-exhausted";
    public const string EscalationDeferred = "escalation-deferred";
    public const string ResponderRequested = "responder-requested";
    public const string ResponderAcknowledged = "responder-acknowledged";
}

/// <summary>
/// What paging did for one incident (row <c>state|oncall</c>): the escalation running now (its start, policy, level,
/// round), who was paged, and when and why it stopped. Each page's delivery per channel is a <see cref="SentMarker"/>
/// (<see cref="PageMarker"/>), written the moment it went out.
/// </summary>
internal sealed class OnCallState : IncidentState
{
    public const string Key = Prefix + "oncall";

    public OnCallState() => RowKey = Key;

    public string? Policy { get; set; }
    /// <summary>
    /// When the running escalation started (the opening or the reopening); steps of an older one stop.
    /// </summary>
    public DateTimeOffset? ChainStart { get; set; }
    /// <summary>The level paged last (1-based) and its round (1-based).</summary>
    public int Level { get; set; }
    public int Round { get; set; }
    public DateTimeOffset? LastPagedAt { get; set; }
    /// <summary>Everyone paged in the running escalation, comma-separated, in the order they were paged.</summary>
    public string? Paged { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }
    public string? StopReason { get; set; }

    [IgnoreDataMember]
    public IReadOnlyList<string> PagedPeople => (Paged ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// "Already delivered" for one page on one channel: one per (escalation, round, level, person, channel).
    /// </summary>
    public static string PageMarker(PagePayload page, string channel) =>
        SentMarker.KeyFor("page",
            $"{(page.Responder ? "r" : "")}{page.ChainStart.UtcTicks}-{page.Round}-{page.Level}-{PersonKey(page.Person)}-{channel}");

    internal static string PersonKey(string person) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(person.Trim().ToLowerInvariant())))[..16];
}

/// <summary>
/// The payload of <see cref="OnCallOutbox.EscalationStep"/>: step 0 pages level 1 of round 1, step n the next level.
/// </summary>
internal sealed record EscalationStepPayload(DateTimeOffset ChainStart, int Step);

/// <summary>
/// The payload of <see cref="OnCallOutbox.PageSend"/>: a level of an escalation, or (<see cref="Responder"/>) a
/// responder asked for at <see cref="ChainStart"/>.
/// </summary>
internal sealed record PagePayload(DateTimeOffset ChainStart, int Round, int Level, string Person, string Reason,
    bool Responder = false);
