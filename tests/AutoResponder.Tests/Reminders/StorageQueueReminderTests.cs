using AutoResponder.Reminders;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Reminders;

[Collection(AzuriteCollection.Name)]
public sealed class StorageQueueReminderTests(AzuriteFixture azurite)
{
    private static async Task<(TestApp App, RecordingReminderHandler Handler)> StartAsync(AzuriteFixture azurite, int maxDeliveries = 5, int retryDelaySeconds = 1)
    {
        var handler = new RecordingReminderHandler();
        var app = await TestApp.StartAsync(azurite,
            new Dictionary<string, string?> { ["AutoResponder:Reminders:Enabled"] = "true", ["AutoResponder:Reminders:MaxDeliveries"] = maxDeliveries.ToString(), ["AutoResponder:Reminders:RetryDelaySeconds"] = retryDelaySeconds.ToString() },
            services => services.AddSingleton<IReminderHandler>(handler));
        return (app, handler);
    }

    private static ReminderMessage Reminder(TestApp app, TimeSpan dueIn) =>
        new("rca-draft-" + Guid.NewGuid().ToString("N")[..8], "INC-20261126-AB12", ReminderKinds.RcaDraft, app.Time.GetUtcNow() + dueIn);

    [Fact]
    public async Task Standalone_uses_the_storage_queue_transport()
    {
        var (app, _) = await StartAsync(azurite);
        await using var __ = app;
        Assert.IsType<StorageQueueReminderScheduler>(app.Get<IReminderScheduler>());
        Assert.IsType<StorageQueueReminderPump>(app.Get<IReminderPump>());
    }

    [Fact]
    public async Task A_due_reminder_is_delivered_once_and_removed()
    {
        var (app, handler) = await StartAsync(azurite);
        await using var __ = app;
        var reminder = Reminder(app, TimeSpan.Zero);

        var ticket = await app.Get<IReminderScheduler>().ScheduleAsync(reminder, default);
        Assert.Equal(1, await app.Get<IReminderPump>().PumpAsync(default));
        Assert.Equal(0, await app.Get<IReminderPump>().PumpAsync(default));

        Assert.Equal(new ReminderTicket(reminder.ReminderId), ticket);
        Assert.Equal([reminder], handler.Handled);
        Assert.Equal(0, (await app.Get<StorageQueueReminders>().Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_future_reminder_is_invisible_until_due()
    {
        var (app, handler) = await StartAsync(azurite);
        await using var __ = app;

        await app.Get<IReminderScheduler>().ScheduleAsync(Reminder(app, TimeSpan.FromHours(1)), default);

        Assert.Equal(0, await app.Get<IReminderPump>().PumpAsync(default));
        Assert.Empty(handler.Handled);
        Assert.Equal(1, (await app.Get<StorageQueueReminders>().Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_reminder_received_before_it_is_due_hops_with_the_remaining_delay()
    {
        var (app, handler) = await StartAsync(azurite);
        await using var __ = app;
        var queue = app.Get<StorageQueueReminders>();
        var reminder = Reminder(app, TimeSpan.FromDays(10));
        await queue.Queue.SendMessageAsync(reminder.ToJson()); // visible now, as after a 7-day hop

        Assert.Equal(1, await app.Get<IReminderPump>().PumpAsync(default));

        Assert.Empty(handler.Handled);
        Assert.Empty((await queue.Queue.PeekMessagesAsync(10)).Value); // re-enqueued invisible …
        Assert.Equal(1, (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount); // … and the original deleted
        Assert.Equal(StorageQueueReminders.MaxHop, StorageQueueReminders.Hop(TimeSpan.FromDays(10)));
        Assert.Equal(TimeSpan.FromDays(3), StorageQueueReminders.Hop(TimeSpan.FromDays(3)));
    }

    [Fact]
    public async Task A_cancelled_reminder_is_dropped_on_receipt()
    {
        var (app, handler) = await StartAsync(azurite);
        await using var __ = app;
        var scheduler = app.Get<IReminderScheduler>();
        var ticket = await scheduler.ScheduleAsync(Reminder(app, TimeSpan.Zero), default);

        await scheduler.CancelAsync(ticket, default);
        Assert.Equal(1, await app.Get<IReminderPump>().PumpAsync(default));

        Assert.Empty(handler.Handled);
        Assert.Equal(0, (await app.Get<StorageQueueReminders>().Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_failing_reminder_is_put_back_invisible_for_the_retry_delay()
    {
        var (app, handler) = await StartAsync(azurite, maxDeliveries: 5, retryDelaySeconds: 600);
        await using var __ = app;
        var queue = app.Get<StorageQueueReminders>();
        handler.FailWith = new TimeoutException("table timeout");
        await app.Get<IReminderScheduler>().ScheduleAsync(Reminder(app, TimeSpan.Zero), default);

        Assert.Equal(1, await app.Get<IReminderPump>().PumpAsync(default));

        Assert.Empty(handler.DeadLettered);
        Assert.Equal(0, await app.Get<IReminderPump>().PumpAsync(default)); // abandoned: invisible for the retry delay …
        Assert.Empty((await queue.Queue.PeekMessagesAsync(10)).Value);
        Assert.Equal(1, (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount); // … but still there
        Assert.Empty((await queue.Poison.PeekMessagesAsync(10)).Value);
    }

    [Fact]
    public async Task A_failing_reminder_is_retried_and_dead_lettered_to_the_poison_queue_at_the_maximum()
    {
        // A retry delay of 0 makes the abandoned message visible at once: the pump's next receive gets it again,
        // so the test needs no wait for the storage queue's (real-time) visibility timeout.
        var (app, handler) = await StartAsync(azurite, maxDeliveries: 2, retryDelaySeconds: 0);
        await using var __ = app;
        var queue = app.Get<StorageQueueReminders>();
        handler.FailWith = new TimeoutException("table timeout");
        var reminder = Reminder(app, TimeSpan.Zero);
        await app.Get<IReminderScheduler>().ScheduleAsync(reminder, default);

        Assert.Equal(2, await app.Get<IReminderPump>().PumpAsync(default)); // delivery 1 fails, delivery 2 = the maximum

        var (deadReminder, reason) = Assert.Single(handler.DeadLettered);
        Assert.Equal(reminder, deadReminder);
        Assert.Contains("Failed 2 deliveries", reason);
        var poisoned = Assert.Single((await queue.Poison.PeekMessagesAsync(10)).Value);
        Assert.Equal(reminder, ReminderMessage.Parse(poisoned.Body.ToString()));
        Assert.Equal(0, (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
