using System.Text.Json;

namespace AutoResponder.Reminders;

/// <summary>The RCA follow-up reminder kinds.</summary>
internal static class ReminderKinds
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

/// <summary>
/// The scheduled message: which reminder of which incident, and when it is due. JSON in the message body.
/// </summary>
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
        throw new FormatException(
            "The message is not a reminder (expected JSON with reminderId, incidentId, kind, dueAt).");
    }
}

/// <summary>Schedules and cancels reminder messages. Service Bus in Azure; a storage queue standalone.</summary>
internal interface IReminderScheduler
{
    /// <summary>"servicebus" or "storage-queue"; recorded with the tickets.</summary>
    string Transport { get; }
    /// <summary>
    /// Schedules the message for <see cref="ReminderMessage.DueAt"/>; returns the ticket that cancels it.
    /// </summary>
    Task<ReminderTicket> ScheduleAsync(ReminderMessage message, CancellationToken ct);
    /// <summary>Cancels a scheduled message; a ticket already delivered or cancelled is not an error.</summary>
    Task CancelAsync(ReminderTicket ticket, CancellationToken ct);
}

/// <summary>
/// What cancels a scheduled reminder: its id (the storage-queue transport cancels by id) and, on Service Bus, the
/// scheduled message's sequence number. Typed, so nothing parses a number back out of a string.
/// </summary>
internal sealed record ReminderTicket(string ReminderId, long? SequenceNumber = null);

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
internal interface IReminderHandler
{
    Task<string> HandleAsync(ReminderMessage reminder, CancellationToken ct);
    /// <summary>Records on the incident that the reminder was dead-lettered, and why.</summary>
    Task RecordDeadLetterAsync(ReminderMessage reminder, string reason, CancellationToken ct);
}
