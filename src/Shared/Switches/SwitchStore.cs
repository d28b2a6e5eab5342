using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Switches;

/// <summary>
/// A switch's state: table "Switches", PartitionKey "switch", RowKey = the switch name. No row = never flipped (off).
/// </summary>
public sealed class SwitchRecord : ITableEntity
{
    public const string Partition = "switch";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public bool On { get; set; }
    /// <summary>When it took its current state.</summary>
    public DateTimeOffset? Since { get; set; }
    public string? By { get; set; }
    /// <summary>The incident it was last flipped from.</summary>
    public string? IncidentId { get; set; }
    public string? Reason { get; set; }
    /// <summary>
    /// The resolution time of the incident the owner was last nudged about (nudge once per resolution).
    /// </summary>
    public DateTimeOffset? NudgedFor { get; set; }

    public string Name => RowKey;
}

/// <summary>The switch rows. A handful of rows in one partition: every read is one partition query.</summary>
public sealed class SwitchStore(StorageClients storage)
{
    public const string TableName = "Switches";

    public TableClient Table { get; } = storage.Table(TableName);

    public async Task<Dictionary<string, SwitchRecord>> ListAsync(CancellationToken ct)
    {
        var rows = new Dictionary<string, SwitchRecord>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<SwitchRecord>(r => r.PartitionKey == SwitchRecord.Partition,
            cancellationToken: ct))
            rows[row.RowKey] = row;
        return rows;
    }

    public async Task<SwitchRecord?> GetAsync(string name, CancellationToken ct)
    {
        var row = await Table.GetEntityIfExistsAsync<SwitchRecord>(SwitchRecord.Partition, name, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Writes the row: added when <paramref name="previous"/> is null, else replaced under its ETag. False when someone
    /// else wrote first.
    /// </summary>
    public async Task<bool> TryWriteAsync(SwitchRecord next, SwitchRecord? previous, CancellationToken ct)
    {
        try
        {
            var response = previous is null
                ? await Table.AddEntityAsync(next, ct)
                : await Table.UpdateEntityAsync(next, previous.ETag, TableUpdateMode.Replace, ct);
            next.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412) { return false; }
    }
}
