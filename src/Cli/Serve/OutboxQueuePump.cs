using AutoResponder.Outbox;
using AutoResponder.Storage;

namespace AutoResponder.Cli.Serve;

/// <summary>The standalone host's stand-in for the Functions queue trigger: receives outbox signals and runs them.</summary>
public sealed class OutboxQueuePump(StorageClients storage, OutboxRunner runner, ILogger<OutboxQueuePump> log) : BackgroundService
{
    private const int MaxDequeueCount = 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var messages = (await storage.Outbox.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(2), stoppingToken)).Value;
                await Parallel.ForEachAsync(messages, stoppingToken, async (message, ct) =>
                {
                    try
                    {
                        await runner.RunAsync(OutboxMessage.Parse(message.Body.ToString()).IncidentId, ct);
                        await storage.Outbox.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        log.LogError(e, "Outbox message {MessageId} failed (dequeue {Count})", message.MessageId, message.DequeueCount);
                        if (message.DequeueCount >= MaxDequeueCount) // the sweep still covers the incident
                            await storage.Outbox.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                    }
                });
                idle = messages.Length > 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromMilliseconds(Math.Min(2000, idle.TotalMilliseconds * 2));
                if (messages.Length == 0) await Task.Delay(idle, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception e)
            {
                log.LogWarning(e, "Outbox queue unreachable; retrying");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { });
            }
        }
    }
}
