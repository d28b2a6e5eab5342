using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>Reminders as Service Bus scheduled messages; the ticket is the sequence number.</summary>
internal sealed class ServiceBusReminderScheduler(ServiceBusSender sender, ILogger<ServiceBusReminderScheduler> log)
    : IReminderScheduler
{
    public string Transport => "servicebus";

    public async Task<ReminderTicket> ScheduleAsync(ReminderMessage message, CancellationToken ct)
    {
        var sbMessage = new ServiceBusMessage(BinaryData.FromString(message.ToJson()))
        {
            MessageId = message.ReminderId,
            ContentType = "application/json",
            Subject = message.Kind,
            ApplicationProperties = { ["incidentId"] = message.IncidentId },
        };
        var sequence = await sender.ScheduleMessageAsync(sbMessage, message.DueAt, ct);
        log.LogInformation("Reminder {Kind} for {IncidentId} scheduled for {DueAt} (sequence {Sequence})", message.Kind,
            message.IncidentId, message.DueAt, sequence);
        return new ReminderTicket(message.ReminderId, sequence);
    }

    public async Task CancelAsync(ReminderTicket ticket, CancellationToken ct)
    {
        if (ticket.SequenceNumber is not { } sequence) return; // not scheduled on Service Bus
        try { await sender.CancelScheduledMessageAsync(sequence, ct); }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessageNotFound)
        {
            log.LogDebug("Scheduled message {Sequence} was already delivered or cancelled", sequence);
        }
    }
}

/// <summary>
/// Receives due reminders with a peek-lock receiver (the Service Bus trigger is not in our feed): complete
/// after <see cref="ReminderDelivery"/> handled it, abandon on failure (Service Bus redelivers), and
/// dead-letter once the delivery count reaches AutoResponder:Reminders:MaxDeliveries — or at once for a
/// body that is not a reminder — with the reason recorded on the incident.
/// </summary>
internal sealed class ServiceBusReminderPump(ServiceBusReceiver receiver, IReminderHandler delivery,
    IOptions<ReminderOptions> options, ILogger<ServiceBusReminderPump> log) : IReminderPump
{
    /// <summary>
    /// Messages locked at once. Each is handled in turn (a Teams reply and an e-mail, seconds each, longer while Graph
    /// throttles), so a small batch keeps the last one well inside the queue's lock (5 min, infra/app/servicebus.bicep)
    /// when reminders bunch at 09:00; a larger one would lose locks and redeliver.
    /// </summary>
    public const int ReceiveBatch = 4;

    public async Task<int> PumpAsync(CancellationToken ct)
    {
        var max = options.Value.MaxPerRun;
        var received = 0;
        while (received < max)
        {
            var batch = await receiver.ReceiveMessagesAsync(Math.Min(ReceiveBatch, max - received),
                TimeSpan.FromSeconds(2), ct);
            if (batch.Count == 0) break;
            received += batch.Count;
            foreach (var message in batch) await HandleAsync(message, ct);
        }
        return received;
    }

    private async Task HandleAsync(ServiceBusReceivedMessage message, CancellationToken ct)
    {
        ReminderMessage reminder;
        try { reminder = ReminderMessage.Parse(message.Body.ToString()); }
        catch (FormatException e)
        {
            await receiver.DeadLetterMessageAsync(message, "MalformedReminder", e.Message, ct);
            log.LogError("Reminder message {MessageId} dead-lettered: {Reason}", message.MessageId, e.Message);
            return;
        }

        try
        {
            await delivery.HandleAsync(reminder, ct);
            await receiver.CompleteMessageAsync(message, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (message.DeliveryCount >= options.Value.MaxDeliveries)
            {
                var reason = $"Failed {message.DeliveryCount} deliveries: {e.GetType().Name}: {e.Message}";
                await receiver.DeadLetterMessageAsync(message, "ReminderFailed", Truncate(reason, 1000), ct);
                log.LogError(e, "Reminder {Kind} for {IncidentId} dead-lettered after {Deliveries} deliveries",
                    reminder.Kind, reminder.IncidentId, message.DeliveryCount);
                await delivery.RecordDeadLetterAsync(reminder, reason, ct);
            }
            else
            {
                await receiver.AbandonMessageAsync(message, cancellationToken: ct);
                log.LogWarning(
                    e, "Reminder {Kind} for {IncidentId} failed (delivery {Deliveries}); abandoned for redelivery",
                    reminder.Kind, reminder.IncidentId, message.DeliveryCount);
            }
        }
    }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
