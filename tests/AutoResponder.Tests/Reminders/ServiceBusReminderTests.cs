using AutoResponder.Reminders;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace AutoResponder.Tests.Reminders;

/// <summary>A reminder handler that records what it got and fails when told to.</summary>
public sealed class RecordingReminderHandler : IReminderHandler
{
    public List<ReminderMessage> Handled { get; } = [];
    public List<(ReminderMessage Reminder, string Reason)> DeadLettered { get; } = [];
    public Exception? FailWith { get; set; }

    public Task<string> HandleAsync(ReminderMessage reminder, CancellationToken ct)
    {
        if (FailWith is not null) throw FailWith;
        Handled.Add(reminder);
        return Task.FromResult("delivered");
    }

    public Task RecordDeadLetterAsync(ReminderMessage reminder, string reason, CancellationToken ct)
    {
        DeadLettered.Add((reminder, reason));
        return Task.CompletedTask;
    }
}

public sealed class ServiceBusReminderTests
{
    private static readonly DateTimeOffset Due = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly ReminderMessage Reminder = new("rca-draft-1", "INC-20261126-AB12", ReminderKinds.RcaDraft, Due);

    [Fact]
    public async Task Scheduling_sends_a_scheduled_message_and_returns_its_sequence_number()
    {
        var sender = new Mock<ServiceBusSender>();
        ServiceBusMessage? sent = null;
        sender.Setup(s => s.ScheduleMessageAsync(It.IsAny<ServiceBusMessage>(), Due, It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, DateTimeOffset, CancellationToken>((m, _, _) => sent = m)
            .ReturnsAsync(4711L);

        var ticket = await new ServiceBusReminderScheduler(sender.Object, NullLogger<ServiceBusReminderScheduler>.Instance).ScheduleAsync(Reminder, default);

        Assert.Equal(new ReminderTicket("rca-draft-1", 4711L), ticket);
        Assert.NotNull(sent);
        Assert.Equal("rca-draft-1", sent!.MessageId);
        Assert.Equal(Reminder, ReminderMessage.Parse(sent.Body.ToString()));
        Assert.Equal("INC-20261126-AB12", sent.ApplicationProperties["incidentId"]);
    }

    [Fact]
    public async Task Cancelling_cancels_by_sequence_number_and_tolerates_a_message_already_gone()
    {
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.CancelScheduledMessageAsync(99L, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ServiceBusException("gone", ServiceBusFailureReason.MessageNotFound));
        var scheduler = new ServiceBusReminderScheduler(sender.Object, NullLogger<ServiceBusReminderScheduler>.Instance);

        await scheduler.CancelAsync(new ReminderTicket("a", 4711L), default);
        await scheduler.CancelAsync(new ReminderTicket("b", 99L), default);
        await scheduler.CancelAsync(new ReminderTicket("c"), default); // scheduled on another transport: nothing to cancel here

        sender.Verify(s => s.CancelScheduledMessageAsync(4711L, It.IsAny<CancellationToken>()), Times.Once);
        sender.Verify(s => s.CancelScheduledMessageAsync(99L, It.IsAny<CancellationToken>()), Times.Once);
        sender.Verify(s => s.CancelScheduledMessageAsync(It.IsAny<long>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    private static (Mock<ServiceBusReceiver> Receiver, ServiceBusReminderPump Pump) Pump(RecordingReminderHandler handler, params ServiceBusReceivedMessage[] messages)
    {
        var receiver = new Mock<ServiceBusReceiver>();
        receiver.SetupSequence(r => r.ReceiveMessagesAsync(It.IsAny<int>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(messages)
            .ReturnsAsync([]);
        var pump = new ServiceBusReminderPump(receiver.Object, handler, Options.Create(new ReminderOptions { MaxDeliveries = 5 }), NullLogger<ServiceBusReminderPump>.Instance);
        return (receiver, pump);
    }

    private static ServiceBusReceivedMessage Received(string body, int deliveryCount) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromString(body), messageId: "m-" + deliveryCount, deliveryCount: deliveryCount, sequenceNumber: 4711);

    [Fact]
    public async Task A_handled_reminder_is_completed()
    {
        var handler = new RecordingReminderHandler();
        var message = Received(Reminder.ToJson(), 1);
        var (receiver, pump) = Pump(handler, message);

        Assert.Equal(1, await pump.PumpAsync(default));

        Assert.Equal([Reminder], handler.Handled);
        receiver.Verify(r => r.CompleteMessageAsync(message, It.IsAny<CancellationToken>()), Times.Once);
        receiver.Verify(r => r.AbandonMessageAsync(It.IsAny<ServiceBusReceivedMessage>(), It.IsAny<IDictionary<string, object>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_failure_below_the_maximum_deliveries_is_abandoned_for_redelivery()
    {
        var handler = new RecordingReminderHandler { FailWith = new TimeoutException("table timeout") };
        var message = Received(Reminder.ToJson(), 2);
        var (receiver, pump) = Pump(handler, message);

        await pump.PumpAsync(default);

        receiver.Verify(r => r.AbandonMessageAsync(message, It.IsAny<IDictionary<string, object>>(), It.IsAny<CancellationToken>()), Times.Once);
        receiver.Verify(r => r.CompleteMessageAsync(It.IsAny<ServiceBusReceivedMessage>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Empty(handler.DeadLettered);
    }

    [Fact]
    public async Task At_the_maximum_deliveries_it_is_dead_lettered_with_the_reason_recorded_on_the_incident()
    {
        var handler = new RecordingReminderHandler { FailWith = new TimeoutException("table timeout") };
        var message = Received(Reminder.ToJson(), 5);
        var (receiver, pump) = Pump(handler, message);

        await pump.PumpAsync(default);

        receiver.Verify(r => r.DeadLetterMessageAsync(message, "ReminderFailed", It.Is<string>(d => d.Contains("table timeout")), It.IsAny<CancellationToken>()), Times.Once);
        receiver.Verify(r => r.AbandonMessageAsync(It.IsAny<ServiceBusReceivedMessage>(), It.IsAny<IDictionary<string, object>>(), It.IsAny<CancellationToken>()), Times.Never);
        var (reminder, reason) = Assert.Single(handler.DeadLettered);
        Assert.Equal(Reminder, reminder);
        Assert.Contains("Failed 5 deliveries", reason);
    }

    [Fact]
    public async Task A_body_that_is_not_a_reminder_is_dead_lettered_at_once()
    {
        var handler = new RecordingReminderHandler();
        var message = Received("""{"hello":"world"}""", 1);
        var (receiver, pump) = Pump(handler, message);

        await pump.PumpAsync(default);

        receiver.Verify(r => r.DeadLetterMessageAsync(message, "MalformedReminder", It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Empty(handler.Handled);
    }
}
