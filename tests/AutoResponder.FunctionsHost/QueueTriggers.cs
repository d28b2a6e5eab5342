using System.Text.Json;
using AutoResponder.FunctionsHost.Rpc;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace AutoResponder.FunctionsHost;

/// <summary>
/// The queue triggers, as the Storage Queues extension's QueueListener/QueueProcessor run them: receive up to
/// <c>batchSize</c> messages (base64, the extension's default encoding), invoke the function with the message text and
/// its trigger metadata, delete it on success; on failure make it visible again after <c>visibilityTimeout</c>, or —
/// once it was dequeued <c>maxDequeueCount</c> times — copy it to <c>{queue}-poison</c> and delete it.
/// </summary>
public sealed class QueueTriggers
{
    private readonly WorkerChannel _worker;
    private readonly HostJson _hostJson;
    private readonly TimeSpan _visibilityTimeout;
    private readonly Action<string> _log;
    private readonly List<(LoadedFunction Function, QueueClient Queue, QueueClient Poison)> _triggers = [];

    public QueueTriggers(WorkerChannel worker, IReadOnlyList<LoadedFunction> functions, IReadOnlyDictionary<string, string> settings,
        HostJson hostJson, TimeSpan? visibilityTimeout, Action<string> log)
    {
        _worker = worker;
        _hostJson = hostJson;
        _visibilityTimeout = visibilityTimeout ?? hostJson.VisibilityTimeout;
        _log = log;
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        foreach (var function in functions.Where(f => f.TriggerType.Equals("queueTrigger", StringComparison.OrdinalIgnoreCase)))
        {
            var connection = LoadedFunction.Text(function.Trigger, "connection");
            if (connection.Length == 0) connection = "AzureWebJobsStorage";
            var connectionString = settings.TryGetValue(connection, out var c) ? c
                : settings.TryGetValue("AzureWebJobs" + connection, out var c2) ? c2
                : throw new InvalidOperationException($"{function.Name}: no connection string in setting '{connection}' (this test host needs one; identity-based connections are not supported).");
            var name = LoadedFunction.Text(function.Trigger, "queueName");
            _triggers.Add((function, new QueueClient(connectionString, name, options), new QueueClient(connectionString, name + "-poison", options)));
        }
    }

    /// <summary>Queue name → function name of every queue trigger.</summary>
    public IReadOnlyDictionary<string, string> Queues => _triggers.ToDictionary(t => t.Queue.Name, t => t.Function.Name);

    /// <summary>The poison queue of <paramref name="queue"/>.</summary>
    public QueueClient PoisonQueue(string queue) => _triggers.Single(t => t.Queue.Name == queue).Poison;

    /// <summary>One pass: receives and processes one batch from every trigger queue. Returns how many messages it processed.</summary>
    public async Task<int> DrainAsync(CancellationToken ct = default)
    {
        var processed = 0;
        foreach (var (function, queue, poison) in _triggers)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: ct);
            var batch = (await queue.ReceiveMessagesAsync(_hostJson.BatchSize, visibilityTimeout: TimeSpan.FromMinutes(5), ct)).Value;
            await Task.WhenAll(batch.Select(message => ProcessAsync(function, queue, poison, message, ct)));
            processed += batch.Length;
        }
        return processed;
    }

    /// <summary>Polls until cancelled: at once while there are messages, backing off to host.json's maxPollingInterval when idle.</summary>
    public async Task PollAsync(CancellationToken ct)
    {
        var idle = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await DrainAsync(ct) > 0) { idle = TimeSpan.FromMilliseconds(100); continue; }
                await Task.Delay(idle, ct);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, _hostJson.MaxPollingInterval.Ticks));
            }
            catch (OperationCanceledException) { return; }
            catch (Exception e)
            {
                _log($"(test host) queue poll failed: {e.Message}");
                await Task.Delay(_hostJson.MaxPollingInterval, ct).ContinueWith(_ => { });
            }
        }
    }

    private async Task ProcessAsync(LoadedFunction function, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken ct)
    {
        // A message already dequeued more often than allowed (its processing crashed the worker) goes to poison unrun.
        if (message.DequeueCount > _hostJson.MaxDequeueCount)
        {
            await MoveToPoisonAsync(queue, poison, message, ct);
            return;
        }

        var succeeded = false;
        try
        {
            var response = await _worker.InvokeAsync(Invocation(function, queue.Name, message));
            succeeded = response.Result.Status == StatusResult.Types.Status.Success;
            if (!succeeded) _log($"(test host) {function.Name} failed on message {message.MessageId} (dequeue {message.DequeueCount}): {response.Result.Exception?.Message}");
        }
        catch (IOException) { return; } // the worker is gone: the message becomes visible again on its own

        if (succeeded)
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        else if (message.DequeueCount >= _hostJson.MaxDequeueCount)
            await MoveToPoisonAsync(queue, poison, message, ct);
        else
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _visibilityTimeout, cancellationToken: ct);
    }

    private async Task MoveToPoisonAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken ct)
    {
        await poison.CreateIfNotExistsAsync(cancellationToken: ct);
        await poison.SendMessageAsync(message.Body, cancellationToken: ct);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        _log($"(test host) message {message.MessageId} moved to {poison.Name} after {message.DequeueCount} dequeues");
    }

    /// <summary>
    /// The message text as the trigger binding's string value, and the binding data contract of the extension's
    /// queue trigger (QueueTriggerBindingDataProvider / the documented queue trigger metadata): QueueTrigger, Id,
    /// DequeueCount, InsertionTime, ExpirationTime, NextVisibleTime, PopReceipt. The host sends strings as strings and
    /// other values JSON-serialized.
    /// </summary>
    private static InvocationRequest Invocation(LoadedFunction function, string queueName, QueueMessage message)
    {
        var text = message.Body.ToString();
        return new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            InputData = { new ParameterBinding { Name = function.TriggerName, Data = new TypedData { String = text } } },
            TriggerMetadata =
            {
                ["QueueTrigger"] = new TypedData { String = text },
                ["Id"] = new TypedData { String = message.MessageId },
                ["PopReceipt"] = new TypedData { String = message.PopReceipt },
                ["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString() },
                ["InsertionTime"] = new TypedData { Json = JsonSerializer.Serialize(message.InsertedOn) },
                ["ExpirationTime"] = new TypedData { Json = JsonSerializer.Serialize(message.ExpiresOn) },
                ["NextVisibleTime"] = new TypedData { Json = JsonSerializer.Serialize(message.NextVisibleOn) },
            },
            TraceContext = new RpcTraceContext(),
        };
    }
}
