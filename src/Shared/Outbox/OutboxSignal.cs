using System.Text.Json;
using AutoResponder.Storage;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Outbox;

/// <summary>Wakes the outbox runner for an incident. Best effort: the sweep catches whatever a lost signal misses.</summary>
public interface IOutboxSignal
{
    Task TrySignalAsync(string incidentId, TimeSpan delay, CancellationToken ct);
}

/// <summary>The queue message the runner consumes (base64 JSON, as the Functions queue trigger expects).</summary>
public sealed record OutboxMessage(string IncidentId)
{
    public static OutboxMessage Parse(string json) =>
        JsonSerializer.Deserialize<OutboxMessage>(json, JsonSerializerOptions.Web) is { IncidentId.Length: > 0 } m
            ? m
            : throw new FormatException("Outbox message has no incidentId.");

    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
}

public sealed class QueueOutboxSignal(StorageClients storage, ILogger<QueueOutboxSignal> log) : IOutboxSignal
{
    public async Task TrySignalAsync(string incidentId, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await storage.Outbox.SendMessageAsync(new OutboxMessage(incidentId).ToJson(), visibilityTimeout: delay > TimeSpan.Zero ? delay : null, cancellationToken: ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Could not signal the outbox for {IncidentId}; the sweep will pick it up", incidentId);
        }
    }
}
