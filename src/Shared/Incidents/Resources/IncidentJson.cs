using AutoResponder.Alerts;

namespace AutoResponder.Incidents.Resources;

// The public JSON of incidents (API v2). Every shape here is documented in /api/openapi.json, generated from
// these records; none of them carries storage bookkeeping (row keys, ETags of rows, recorded-effect bags).
// The mapping from storage to these records lives in one place: IncidentResources.

/// <summary>Distinct alerts of the incident: currently firing, resolved, and all of them.</summary>
public sealed record AlertCounts(int Firing, int Resolved, int Total);

/// <summary>The latest human status update.</summary>
public sealed record StatusUpdate(string? Text, string? NextSteps, DateTimeOffset? Eta, string? By, DateTimeOffset? At);

/// <summary>The latest impact snapshot: affected orders and customers, money at risk per currency.</summary>
public sealed record ImpactSummary(long Orders, long Customers, bool CustomersApproximate,
    IReadOnlyDictionary<string, decimal> MoneyAtRisk,
    DateTimeOffset AsOf, string Snapshot);

/// <summary>
/// The incident's Teams thread; or, with <see cref="InStormDigest"/>, no thread of its own yet: the incident is a line in
/// its channel's storm digest until it is acknowledged or escalated.
/// </summary>
public sealed record TeamsThread(string? WebUrl, bool InStormDigest = false);

/// <summary>
/// Manager status emails: how many were sent, the last one, when the next is due (null when none is). An e-mail listed
/// in a storm e-mail counts once that storm e-mail has gone; until then <see cref="InStormEmail"/> is true.
/// </summary>
public sealed record StatusEmailsSummary(int Sent, DateTimeOffset? LastSentAt, DateTimeOffset? NextDueAt,
    bool InStormEmail = false);

/// <summary>One RCA reminder: rca-draft, rca-escalation, postmortem-review or action-items.</summary>
public sealed record ReminderSummary(string Kind, string Status, DateTimeOffset? DueAt);

/// <summary>
/// The RCA: none (not resolved yet), pending (resolved, no draft yet), drafted (draft generated, RCA open) or completed
/// (its link recorded).
/// </summary>
public sealed record PostmortemSummary(string State, string? Link, DateTimeOffset? CompletedAt,
    IReadOnlyList<ReminderSummary> Reminders);

/// <summary>Side effects (outbox actions) still owed and parked as failed.</summary>
public sealed record ActionCounts(int Pending, int Failed);

/// <summary>Where the incident's paged sub-resources live.</summary>
/// <param name="PostmortemDraft">GET …/postmortem/draft once a draft exists (the incident was resolved), else
/// null.</param>
public sealed record IncidentRelated(string Timeline, string Alerts, string Actions, string Impact,
    string? PostmortemDraft);

/// <summary>
/// The incident's escalation as the API shows it: the policy, the level (and round) paged last, everyone paged in the
/// running escalation, and when and why it stopped. Null while nothing was paged.
/// </summary>
public sealed record EscalationSummary(string? Policy, int Level, int Round, IReadOnlyList<string> Paged,
    DateTimeOffset? LastPagedAt, DateTimeOffset? StoppedAt, string? StopReason);

/// <summary>A responder as the incident resource lists them.</summary>
public sealed record ResponderJson(string Person, string? RequestedBy, DateTimeOffset? RequestedAt, string? Message,
    DateTimeOffset? PagedAt, DateTimeOffset? AcknowledgedAt);

/// <summary>An incident (GET /api/incidents/{id} and every incident action's answer).</summary>
public sealed record IncidentResource(
    string Id, string Title, string Severity, string Status, string? Owner, string? Service, string? Rule,
    string? Source,
    DateTimeOffset OpenedAt, DateTimeOffset? FirstAlertAt, DateTimeOffset? LastAlertAt, DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? MitigatedAt, DateTimeOffset? ResolvedAt, DateTimeOffset? ClosedAt, DateTimeOffset UpdatedAt,
    AlertCounts AlertCounts, StatusUpdate? StatusUpdate, ImpactSummary? Impact, TeamsThread? Teams,
    StatusEmailsSummary StatusEmails,
    PostmortemSummary Postmortem, EscalationSummary? Escalation, IReadOnlyList<ResponderJson> Responders,
    ActionCounts ActionCounts, IReadOnlyList<AlertLink> Links, IncidentRelated Related);

/// <summary>An incident in a list: enough to triage, small enough to page through many.</summary>
public sealed record IncidentListItem(
    string Id, string Title, string Severity, string Status, string? Owner, string? Service,
    DateTimeOffset OpenedAt, DateTimeOffset? ResolvedAt, DateTimeOffset? ClosedAt, DateTimeOffset UpdatedAt,
    AlertCounts AlertCounts);

/// <summary>A page of incidents; <c>nextCursor</c> is null on the last page.</summary>
public sealed record IncidentList(IReadOnlyList<IncidentListItem> Incidents, string? NextCursor);

/// <summary>One timeline entry (oldest first).</summary>
public sealed record TimelineItem(DateTimeOffset At, string Kind, string Actor, string Text);

/// <summary>
/// The latest state of one alert (by fingerprint) in the incident: <c>startsAt</c> of its newest occurrence,
/// <c>occurrences</c>
/// its firings recorded (a storm of repeats is counted here, not on the timeline), <c>lastSeenAt</c> its last delivery.
/// </summary>
public sealed record AlertItem(string Fingerprint, string Source, string SourceAlertId, string Title, string Severity,
    string Status,
    DateTimeOffset StartsAt, DateTimeOffset? EndsAt, DateTimeOffset LastSeenAt, int Occurrences, string? Service,
    string? Rule, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// A side effect the incident owes or owed: pending, running, done or failed (parked), in the order owed.
/// </summary>
public sealed record ActionItem(string Id, string Kind, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? CompletedAt, string? LastError, string? Result)
{
    /// <summary>The action's id is the unique suffix of its row, never the row key itself.</summary>
    public static string IdOf(string rowKey) => rowKey[(rowKey.LastIndexOf('|') + 1)..];
}

/// <summary>A page of the incident's timeline; <c>nextCursor</c> is null on the last page.</summary>
public sealed record TimelinePage(IReadOnlyList<TimelineItem> Timeline, string? NextCursor);

/// <summary>A page of the incident's alerts; <c>nextCursor</c> is null on the last page.</summary>
public sealed record AlertPage(IReadOnlyList<AlertItem> Alerts, string? NextCursor);

/// <summary>A page of the incident's side effects; <c>nextCursor</c> is null on the last page.</summary>
public sealed record ActionPage(IReadOnlyList<ActionItem> Actions, string? NextCursor);
