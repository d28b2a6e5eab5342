using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>Well-known timeline entry kinds. Effects (Teams, email, impact …) react to these.</summary>
internal static class TimelineKinds
{
    public const string Opened = "opened";
    public const string Alert = "alert";
    public const string AlertResolved = "alert-resolved";
    public const string Reopened = "reopened";
    public const string SeverityRaised = "severity-raised";
    public const string Acknowledged = "acknowledged";
    public const string StatusUpdate = "status";
    public const string Mitigated = "mitigated";
    public const string Resolved = "resolved";
    public const string Closed = "closed";
    public const string ActionFailed = "action-failed";
    public const string ActionDone = "action-done";
    /// <summary>A person re-drove parked (failed) actions: they run again with fresh attempts.</summary>
    public const string ActionRetried = "action-retried";
    // Status emails and RCA reminders (src/Shared/StatusEmails, src/Shared/Reminders)
    public const string StatusEmail = "status-email";
    /// <summary>No human status update within the cadence; mentions the owner.</summary>
    public const string StatusOverdue = "status-overdue";
    /// <summary>An RCA reminder for the owner (Teams renders it as a reply with an @mention).</summary>
    public const string RcaReminder = "rca-reminder";
    /// <summary>The RCA is still open after its due date; managers were emailed.</summary>
    public const string RcaEscalated = "rca-escalated";
    public const string Postmortem = "postmortem";
    public const string ReminderRescheduled = "reminder-rescheduled";
    public const string ImpactSnapshot = "impact-snapshot";
    /// <summary>
    /// The resolution's impact snapshot was not taken (no rule applies): what the final status email waits for
    /// otherwise.
    /// </summary>
    public const string ImpactSkipped = "impact-skipped";
    /// <summary>
    /// The postmortem draft of a resolution exists: the RCA reminders are scheduled from it (and link it).
    /// </summary>
    public const string PostmortemDrafted = "postmortem-drafted";
    public const string ImpactRefreshRequested = "impact-refresh-requested";
    /// <summary>
    /// A responder chose or excluded impact rules: a corrected snapshot follows, and operations get its export.
    /// </summary>
    public const string ImpactRulesCorrected = "impact-rules-corrected";
    /// <summary>
    /// Someone downloaded an impact export (customer data): the actor is who, the text which snapshot.
    /// </summary>
    public const string ExportDownloaded = "export-downloaded";
    /// <summary>
    /// An impact export (customer data) was e-mailed: the text names the snapshot, the recipients, how (attached or the
    /// download route) and the size.
    /// </summary>
    public const string ExportMailed = "export-mailed";
}

/// <summary>
/// An append-only timeline row: its RowKey (<see cref="IncidentRows.Timeline"/>) keeps them in time order.
/// </summary>
public sealed class TimelineEntry : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset At { get; set; }
    public string Kind { get; set; } = "";
    public string Actor { get; set; } = "";
    public string Text { get; set; } = "";
    /// <summary>
    /// What the entry is about, when that is not the incident itself: for "action-failed", the outbox kind that was
    /// parked.
    /// </summary>
    public string? Subject { get; set; }

    public static TimelineEntry Create(string incidentId, DateTimeOffset at, string kind, string actor, string text) => new()
    {
        PartitionKey = incidentId,
        RowKey = IncidentRows.Timeline(at),
        At = at,
        Kind = kind,
        Actor = actor,
        Text = text,
    };
}
