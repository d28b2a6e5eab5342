using AutoResponder.Storage;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>
/// The standalone transport: the reminder queue on Azure Storage (Azurite). A message is sent invisible
/// until it is due; a storage queue hides a message for at most 7 days, so a later due date "hops": the
/// pump receives it early and re-enqueues it with the remaining delay. Cancelling marks the reminder id
/// in the table "ReminderCancellations", which the pump checks on receipt. Messages never expire.
/// </summary>
internal sealed class StorageQueueReminders(StorageClients storage, IOptions<ReminderOptions> options,
    TimeProvider time) : IStorageInitializer
{
    public const string CancellationTable = "ReminderCancellations";
    /// <summary>A little under the storage queue's 7-day visibility limit.</summary>
    public static readonly TimeSpan MaxHop = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5);
    public static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);

    public QueueClient Queue => storage.Queue(options.Value.QueueName);
    public QueueClient Poison => storage.Queue(options.Value.QueueName + "-poison");
    public TableClient Cancellations => storage.Table(CancellationTable);

    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        await Queue.CreateIfNotExistsAsync(cancellationToken: ct);
        await Poison.CreateIfNotExistsAsync(cancellationToken: ct);
        await Cancellations.CreateIfNotExistsAsync(ct);
    }

    /// <summary>
    /// How long to hide a message due after <paramref name="remaining"/>: all of it, up to the hop limit.
    /// </summary>
    public static TimeSpan Hop(TimeSpan remaining)
        => remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining < MaxHop ? remaining : MaxHop;

    public Task EnqueueAsync(ReminderMessage message, CancellationToken ct)
    {
        var delay = Hop(message.DueAt - time.GetUtcNow());
        return Queue.SendMessageAsync(message.ToJson(), visibilityTimeout: delay, timeToLive: NeverExpire,
            cancellationToken: ct);
    }

    public async Task<bool> IsCancelledAsync(string reminderId, CancellationToken ct) =>
        (await Cancellations.GetEntityIfExistsAsync<TableEntity>(reminderId, "cancelled", cancellationToken: ct))
            .HasValue;

    public Task MarkCancelledAsync(string reminderId, CancellationToken ct) =>
        Cancellations.UpsertEntityAsync(new TableEntity(reminderId, "cancelled") { ["CancelledAt"] = time.GetUtcNow() },
            TableUpdateMode.Replace, ct);
}

internal sealed class StorageQueueReminderScheduler(StorageQueueReminders queue,
    ILogger<StorageQueueReminderScheduler> log) : IReminderScheduler
{
    public string Transport => "storage-queue";

    public async Task<ReminderTicket> ScheduleAsync(ReminderMessage message, CancellationToken ct)
    {
        await queue.EnqueueAsync(message, ct);
        log.LogInformation("Reminder {Kind} for {IncidentId} queued for {DueAt}", message.Kind, message.IncidentId,
            message.DueAt);
        return new ReminderTicket(message.ReminderId);
    }

    public Task CancelAsync(ReminderTicket ticket, CancellationToken ct)
        => queue.MarkCancelledAsync(ticket.ReminderId, ct);
}

/// <summary>
/// Receives visible reminder messages: hops those not yet due, deletes cancelled ones, hands the rest to
/// <see cref="ReminderDelivery"/> and deletes them after. A failure makes the message visible again
/// after a short backoff ("abandon"); at AutoResponder:Reminders:MaxDeliveries it is moved to the
/// "-poison" queue ("dead-letter") and the reason is recorded on the incident.
/// </summary>
internal sealed class StorageQueueReminderPump(
    StorageQueueReminders queue,
    IReminderHandler delivery,
    IOptions<ReminderOptions> options,
    TimeProvider time,
    ILogger<StorageQueueReminderPump> log) : IReminderPump
{
    public static readonly TimeSpan Lock = TimeSpan.FromMinutes(5);

    public async Task<int> PumpAsync(CancellationToken ct)
    {
        var max = options.Value.MaxPerRun;
        var received = 0;
        while (received < max)
        {
            QueueMessage[] batch = (await queue.Queue.ReceiveMessagesAsync(Math.Min(32, max - received), Lock, ct))
                .Value;
            if (batch.Length == 0) break;
            received += batch.Length;
            foreach (var message in batch) await HandleAsync(message, ct);
        }
        return received;
    }

    private async Task HandleAsync(QueueMessage message, CancellationToken ct)
    {
        ReminderMessage reminder;
        try { reminder = ReminderMessage.Parse(message.Body.ToString()); }
        catch (FormatException e)
        {
            await DeadLetterAsync(message, null, e.Message, ct);
            return;
        }

        var remaining = reminder.DueAt - time.GetUtcNow();
        if (remaining > TimeSpan.FromSeconds(1))
        {
            // hop: the rest of the delay (a duplicate after a crash here is ignored by ReminderDelivery)
            await queue.EnqueueAsync(reminder, ct);
            await queue.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            log.LogDebug("Reminder {Kind} for {IncidentId} hopped; due in {Remaining}", reminder.Kind,
                reminder.IncidentId, remaining);
            return;
        }
        if (await queue.IsCancelledAsync(reminder.ReminderId, ct))
        {
            await queue.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            log.LogInformation("Reminder {Kind} for {IncidentId} was cancelled; dropped", reminder.Kind,
                reminder.IncidentId);
            return;
        }

        try
        {
            await delivery.HandleAsync(reminder, ct);
            await queue.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (message.DequeueCount >= options.Value.MaxDeliveries)
            {
                var reason = $"Failed {message.DequeueCount} deliveries: {e.GetType().Name}: {e.Message}";
                await DeadLetterAsync(message, reminder, reason, ct);
            }
            else
            {
                var delay = TimeSpan.FromSeconds(options.Value.RetryDelaySeconds);
                await queue.Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: delay,
                    cancellationToken: ct);
                log.LogWarning(e, "Reminder {Kind} for {IncidentId} failed (delivery {Deliveries}); retried in {Delay}",
                    reminder.Kind, reminder.IncidentId, message.DequeueCount, delay);
            }
        }
    }

    private async Task DeadLetterAsync(QueueMessage message, ReminderMessage? reminder, string reason,
        CancellationToken ct)
    {
        await queue.Poison.SendMessageAsync(message.Body, timeToLive: StorageQueueReminders.NeverExpire,
            cancellationToken: ct);
        await queue.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        log.LogError("Reminder message {MessageId} moved to the poison queue: {Reason}", message.MessageId, reason);
        if (reminder is not null)
            await delivery.RecordDeadLetterAsync(reminder, ServiceBusReminderPump.Truncate(reason, 1000), ct);
    }
}
