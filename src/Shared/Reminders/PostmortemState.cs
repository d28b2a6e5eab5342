using System.Runtime.Serialization;
using AutoResponder.Incidents;

namespace AutoResponder.Reminders;

/// <summary>
/// The incident's postmortem (row <c>state|postmortem</c>): the draft generated at resolution, the resolution whose
/// reminders were scheduled, and — once someone records it — the RCA's link. The link completes the RCA: no reminder
/// fires or is scheduled after it.
/// </summary>
internal sealed class PostmortemState : IncidentState
{
    public const string Key = Prefix + "postmortem";

    public PostmortemState() => RowKey = Key;

    /// <summary>Blob name of the draft in the "postmortems" container (never a link to it).</summary>
    public string? DraftBlob { get; set; }
    /// <summary>ResolvedAt of the resolution the draft was generated for (one draft per resolution).</summary>
    public DateTimeOffset? DraftFor { get; set; }
    /// <summary>ResolvedAt of the resolution whose reminders were scheduled (once per resolution).</summary>
    public DateTimeOffset? RemindersScheduledFor { get; set; }
    public string? Link { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    [IgnoreDataMember]
    public bool Completed => Link is not null;
}

internal enum ReminderStatus { Scheduled, Fired, Cancelled }

/// <summary>
/// One RCA reminder of the incident (row <c>state|reminder|{kind}</c>): the scheduled message (id, the transport's
/// ticket to cancel it, due date) and what became of it. A delivered message whose id is not <see cref="ReminderId"/>
/// was superseded (rescheduled, or scheduled again at a new resolution) and is dropped.
/// </summary>
internal sealed class ReminderState : IncidentState
{
    public const string KindPrefix = Prefix + "reminder|";

    public static string KeyFor(string kind) => KindPrefix + kind;

    public string Kind { get; set; } = "";
    public string? ReminderId { get; set; }
    /// <summary>
    /// The scheduled Service Bus message's sequence number (null on the storage-queue transport, which cancels by id).
    /// </summary>
    public long? SequenceNumber { get; set; }
    /// <summary>Which transport holds the message ("servicebus" or "storage-queue").</summary>
    public string? Transport { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public string StatusName { get; set; } = nameof(ReminderStatus.Scheduled);
    /// <summary>The reminder id that fired (a redelivered message does nothing).</summary>
    public string? FiredId { get; set; }
    /// <summary>The reminder id whose email went out.</summary>
    public string? EmailedId { get; set; }
    /// <summary>The reschedule action that set the current due date (a retried reschedule does nothing).</summary>
    public string? ChangedBy { get; set; }

    [IgnoreDataMember]
    public ReminderStatus Status
    {
        get => Enum.Parse<ReminderStatus>(StatusName);
        set => StatusName = value.ToString();
    }

    /// <summary>What cancels the scheduled message on its transport.</summary>
    [IgnoreDataMember]
    public ReminderTicket? Ticket => ReminderId is null ? null : new ReminderTicket(ReminderId, SequenceNumber);

    /// <summary>Whether the scheduled message is still waiting (and can be cancelled on its transport).</summary>
    [IgnoreDataMember]
    public bool Pending => ReminderId is not null && Status == ReminderStatus.Scheduled;
}
