using AutoResponder.Outbox;
using AutoResponder.Storage;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace AutoResponder.Cli.Serve;

/// <summary>
/// The standalone host's stand-in for the Functions queue triggers: one pump per signal lane, each with its own
/// bounded number of workers (<see cref="ServeLimits.FirstNoticeWorkers"/>, <see cref="ServeLimits.FollowUpWorkers"/>),
/// so follow-up work never takes a first notice's worker. First notices are taken most severe first among the
/// messages held (up to 256); the follow-up pump holds twice its workers (the rest stay in the queue for other
/// instances). A message is deleted after its run, or after its fifth failed delivery (the sweep still covers the
/// incident).
/// </summary>
internal sealed class OutboxQueuePump(StorageClients storage, OutboxRunner runner, OutboxNudges nudges,
    ServeLimits limits, ILogger<OutboxQueuePump> log)
    : BackgroundService
{
    private const int MaxDequeueCount = 5;
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MinIdle = TimeSpan.FromMilliseconds(100), MaxIdle = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        PumpAsync(storage.FirstNotices, SignalLane.FirstNotice, limits.FirstNoticeWorkers, stoppingToken),
        PumpAsync(storage.Outbox, SignalLane.FollowUp, limits.FollowUpWorkers, stoppingToken));

    private async Task PumpAsync(QueueClient queue, SignalLane lane, int workers, CancellationToken stop)
    {
        var waiting = new PriorityQueue<QueueMessage, (int Severity, long Order)>();
        var running = new List<Task>();
        long order = 0;
        var idle = MinIdle;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var nudged = nudges.Next(lane); // taken before the receive: a signal sent meanwhile is not missed
                running.RemoveAll(t => t.IsCompleted);
                var room = Held(lane, workers) - running.Count - waiting.Count;
                var received = 0;
                if (room > 0)
                {
                    var messages = (await queue.ReceiveMessagesAsync(Math.Min(32, room), Visibility, stop)).Value;
                    received = messages.Length;
                    foreach (var message in messages)
                        waiting.Enqueue(message, (lane == SignalLane.FirstNotice ? TurnOf(message) : 0, order++));
                }
                while (running.Count < workers && waiting.TryDequeue(out var next, out _))
                    running.Add(RunOneAsync(queue, lane, next, stop));

                if (received > 0) idle = MinIdle;
                if (received > 0 && received < room) continue; // there may be more: receive again at once
                var wake = new List<Task>(running) { nudged };
                if (received == 0) wake.Add(Task.Delay(idle, stop));
                await Task.WhenAny(wake);
                if (received == 0 && !nudged.IsCompleted)
                    idle = TimeSpan.FromMilliseconds(Math.Min(MaxIdle.TotalMilliseconds, idle.TotalMilliseconds * 2));
                else idle = MinIdle;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e)
            {
                log.LogWarning(e, "Outbox queue {Queue} unreachable; retrying", queue.Name);
                await Task.Delay(TimeSpan.FromSeconds(5), stop).ContinueWith(_ => { });
            }
        }
        await Task.WhenAll(running).ContinueWith(_ => { });
    }

    /// <summary>
    /// Messages a pump holds (running or waiting): first notices enough to find a Sev0/Sev1 behind a storm's backlog.
    /// </summary>
    private static int Held(SignalLane lane, int workers)
        => lane == SignalLane.FirstNotice ? Math.Max(256, 4 * workers) : 2 * workers;

    private async Task RunOneAsync(QueueClient queue, SignalLane lane, QueueMessage message, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await runner.RunAsync(OutboxMessage.Parse(message.Body.ToString()).IncidentId, lane, ct);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            log.LogError(e, "Outbox message {MessageId} ({Lane}) failed (dequeue {Count})", message.MessageId, lane,
                message.DequeueCount);
            if (message.DequeueCount >= MaxDequeueCount) // the sweep still covers the incident
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ContinueWith(_ => { });
        }
    }

    /// <summary>
    /// A first notice's turn among those held: its incident's severity (Sev0 first); then in the order received.
    /// </summary>
    internal static int TurnOf(QueueMessage message)
    {
        try { return OutboxMessage.Parse(message.Body.ToString()).Severity; }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { return int.MaxValue; }
    }
}
