using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Changes;

/// <summary>
/// One change (a deploy, release, push, pipeline run …): table "Changes", PartitionKey = the service (lower case),
/// RowKey = "{ticks of when it happened}|{hash of the delivery}". Reading a service's changes in a window is one
/// key-range query; the same delivery twice has the same key, so it is stored once.
/// </summary>
public sealed class ChangeRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Service { get; set; } = "";
    public DateTimeOffset At { get; set; }
    /// <summary>github, azure-devops or generic.</summary>
    public string Source { get; set; } = "";
    /// <summary>deployment, release, push, workflow-run, pipeline-run, release-deployment or change.</summary>
    public string Kind { get; set; } = "";
    public string Summary { get; set; } = "";
    public string? Author { get; set; }
    public string? Commit { get; set; }
    public string? Environment { get; set; }
    public string? Link { get; set; }
    /// <summary>The repository or pipeline the change came from, when it came from one.</summary>
    public string? Origin { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }

    public string Id => RowKey[(RowKey.IndexOf('|') + 1)..];

    public static ChangeRow From(ParsedChange change, DateTimeOffset receivedAt) => new()
    {
        PartitionKey = Partition(change.Service),
        RowKey = Key(change.At, change.DeliveryKey),
        Service = change.Service,
        At = change.At,
        Source = change.Source,
        Kind = change.Kind,
        Summary = change.Summary,
        Author = change.Author,
        Commit = change.Commit,
        Environment = change.Environment,
        Link = change.Link,
        Origin = change.Origin,
        ReceivedAt = receivedAt,
    };

    public static string Partition(string service) => service.Trim().ToLowerInvariant();

    public static string Key(DateTimeOffset at, string deliveryKey) => $"{Keys.Ticks(at)}|{Keys.Hash(deliveryKey)}";

    /// <summary>The first row key at or after <paramref name="at"/>.</summary>
    public static string From(DateTimeOffset at) => Keys.Ticks(at);

    /// <summary>A service name a table key can hold.</summary>
    public static bool IsValidService(string? service) =>
        !string.IsNullOrWhiteSpace(service) && service.Length <= 100
            && !service.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
}

public sealed class ChangeStore(StorageClients storage)
{
    public const string TableName = "Changes";

    public TableClient Table { get; } = storage.Table(TableName);

    /// <summary>Stores the change; false when this delivery is already stored.</summary>
    public async Task<bool> TryAddAsync(ChangeRow row, CancellationToken ct)
    {
        try { await Table.AddEntityAsync(row, ct); return true; }
        catch (RequestFailedException e) when (e.Status == 409) { return false; }
    }

    /// <summary>The service's changes that happened in [from, to], oldest first: one key-range query.</summary>
    public async Task<List<ChangeRow>> ListAsync(string service, DateTimeOffset from, DateTimeOffset to, int max,
        CancellationToken ct)
    {
        var partition = ChangeRow.Partition(service);
        var (low, high) = (ChangeRow.From(from), ChangeRow.From(to.AddTicks(1)));
        var rows = new List<ChangeRow>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {low} and RowKey lt {high}");
        await foreach (var row in Table.QueryAsync<ChangeRow>(filter, cancellationToken: ct))
        {
            rows.Add(row);
            if (rows.Count > max) rows.RemoveAt(0); // keep the newest
        }
        return rows;
    }
}
