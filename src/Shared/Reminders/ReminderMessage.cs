using System.Text.Json;

namespace AutoResponder.Reminders;

/// <summary>The RCA follow-up reminder kinds.</summary>
public static class ReminderKinds
{
    public const string RcaDraft = "rca-draft";
    public const string PostmortemReview = "postmortem-review";
    public const string ActionItems = "action-items";
    /// <summary>The RCA is still open after its due date: the managers are told.</summary>
    public const string Escalation = "rca-escalation";

    public static readonly string[] All = [RcaDraft, Escalation, PostmortemReview, ActionItems];

    public static string Describe(string kind) => kind switch
    {
        RcaDraft => "RCA draft",
        PostmortemReview => "Postmortem review",
        ActionItems => "Postmortem action items",
        Escalation => "RCA escalation",
        _ => kind,
    };
}

/// <summary>Keys of the reminder results recorded on the incident (its recorded effects).</summary>
public static class ReminderKeys
{
    public const string ScheduledFor = "reminders.scheduledFor";
    public const string Transport = "reminders.transport";
    public static string Id(string kind) => $"reminders.{kind}.id";
    /// <summary>The transport's handle: the Service Bus sequence number, or the storage-queue reminder id.</summary>
    public static string Ticket(string kind) => $"reminders.{kind}.ticket";
    public static string DueAt(string kind) => $"reminders.{kind}.dueAt";
    /// <summary>scheduled, fired, cancelled, dead-lettered.</summary>
    public static string Status(string kind) => $"reminders.{kind}.status";
    public static string Fired(string kind) => $"reminders.{kind}.firedId";
    public static string Emailed(string kind) => $"reminders.{kind}.emailedId";
    public static string ChangedBy(string kind) => $"reminders.{kind}.changedBy";

    public const string PostmortemLink = "postmortem.link";
    public const string PostmortemCompletedAt = "postmortem.completedAt";
    public const string DraftBlob = "postmortem.draftBlob";
    public const string DraftFor = "postmortem.draftFor";
}

/// <summary>The scheduled message: which reminder of which incident, and when it is due. JSON in the message body.</summary>
public sealed record ReminderMessage(string ReminderId, string IncidentId, string Kind, DateTimeOffset DueAt)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    /// <exception cref="FormatException">Not a reminder message.</exception>
    public static ReminderMessage Parse(string json)
    {
        try
        {
            var m = JsonSerializer.Deserialize<ReminderMessage>(json, JsonSerializerOptions.Web);
            if (m is { ReminderId.Length: > 0, IncidentId.Length: > 0, Kind.Length: > 0 }) return m;
        }
        catch (JsonException) { }
        throw new FormatException("The message is not a reminder (expected JSON with reminderId, incidentId, kind, dueAt).");
    }
}

/// <summary>Schedules and cancels reminder messages. Service Bus in Azure; a storage queue standalone.</summary>
public interface IReminderScheduler
{
    /// <summary>"servicebus" or "storage-queue"; recorded with the tickets.</summary>
    string Transport { get; }
    /// <summary>Schedules the message for <see cref="ReminderMessage.DueAt"/>; returns the ticket that cancels it.</summary>
    Task<string> ScheduleAsync(ReminderMessage message, CancellationToken ct);
    /// <summary>Cancels a scheduled message; a ticket already delivered or cancelled is not an error.</summary>
    Task CancelAsync(string ticket, CancellationToken ct);
}

/// <summary>Receives due reminder messages and hands each to <see cref="ReminderDelivery"/>. Timer-driven.</summary>
public interface IReminderPump
{
    /// <summary>Returns how many messages were received.</summary>
    Task<int> PumpAsync(CancellationToken ct);
}

/// <summary>
/// Handles one received reminder, apart from the transport that delivered it (so a Service Bus trigger can
/// replace the timer-driven pumps later). Throw to have the transport redeliver.
/// </summary>
public interface IReminderHandler
{
    Task<string> HandleAsync(ReminderMessage reminder, CancellationToken ct);
    /// <summary>Records on the incident that the reminder was dead-lettered, and why.</summary>
    Task RecordDeadLetterAsync(ReminderMessage reminder, string reason, CancellationToken ct);
}
