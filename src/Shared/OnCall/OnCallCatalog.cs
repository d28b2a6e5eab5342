using System.Text.Json;
using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoResponder.OnCall;

/// <summary>
/// A schedule or policy set through the API: table "OnCall", PartitionKey <see cref="ScheduleKind"/> or
/// <see cref="PolicyKind"/>, RowKey the name in lower case, the declaration as JSON (the same shape as the settings).
/// </summary>
internal sealed class OnCallRow : ITableEntity
{
    public const string ScheduleKind = "schedule", PolicyKind = "policy";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public string Json { get; set; } = "{}";
    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }

    public static string KeyFor(string name) => name.Trim().ToLowerInvariant();
}

/// <summary>
/// The schedules and policies in force: the settings (AutoResponder:OnCall), with those set through the API (table
/// "OnCall") replacing settings of the same name. Read when an escalation step runs, so a change applies to the next
/// level paged.
/// </summary>
public sealed class OnCallCatalog(StorageClients storage, IOptions<OnCallOptions> options)
{
    public const string TableName = "OnCall";
    /// <summary>
    /// The declarations' JSON (API bodies, stored rows, CLI files): a field the shape does not have is refused, not
    /// ignored.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public TableClient Table { get; } = storage.Table(TableName);

    public async Task<OnCallOptions> CurrentAsync(CancellationToken ct)
    {
        var schedules = new List<ScheduleSettings>();
        var policies = new List<PolicySettings>();
        await foreach (var row in Table.QueryAsync<OnCallRow>(cancellationToken: ct))
        {
            if (row.PartitionKey == OnCallRow.ScheduleKind
                && JsonSerializer.Deserialize<ScheduleSettings>(row.Json, Json) is { } s) schedules.Add(s);
            if (row.PartitionKey == OnCallRow.PolicyKind
                && JsonSerializer.Deserialize<PolicySettings>(row.Json, Json) is { } p) policies.Add(p);
        }
        return options.Value.With(schedules, policies);
    }

    public Task SaveAsync(ScheduleSettings schedule, string by, DateTimeOffset at, CancellationToken ct) =>
        SaveAsync(OnCallRow.ScheduleKind, schedule.Name, JsonSerializer.Serialize(schedule, Json), by, at, ct);

    public Task SaveAsync(PolicySettings policy, string by, DateTimeOffset at, CancellationToken ct) =>
        SaveAsync(OnCallRow.PolicyKind, policy.Name, JsonSerializer.Serialize(policy, Json), by, at, ct);

    private Task SaveAsync(string kind, string name, string json, string by, DateTimeOffset at, CancellationToken ct) =>
        Table.UpsertEntityAsync(new OnCallRow { PartitionKey = kind, RowKey = OnCallRow.KeyFor(name), Name = name, Json = json, UpdatedAt = at, UpdatedBy = by },
            TableUpdateMode.Replace, ct);
}
