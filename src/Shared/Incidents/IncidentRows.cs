using AutoResponder.Storage;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// The row-key layout of an incident partition (table <c>Incidents</c>, PartitionKey = incident id), declared once.
/// In key order: alert rows, the incident row, outbox rows, once-only markers, sent markers, feature state rows,
/// timeline entries. Only <see cref="IncidentStore"/> reads and writes these rows; everyone else names a row through
/// the functions here.
/// </summary>
public static class IncidentRows
{
    /// <summary>The incident row (<see cref="IncidentRecord"/>).</summary>
    public const string Incident = "incident";
    /// <summary><c>al|{alert hash}</c>: an alert's latest state (<see cref="AlertRecord"/>).</summary>
    public const string AlertPrefix = "al|";
    /// <summary>
    /// <c>ob|{ticks}|{sequence}|{unique}</c>: an owed side effect (<see cref="OutboxAction"/>), in the order owed.
    /// </summary>
    public const string OutboxPrefix = "ob|";
    /// <summary><c>oc|{what}|{ticks}</c>: a once-only marker (an Add fails when it exists).</summary>
    public const string OccurrencePrefix = "oc|";
    /// <summary>
    /// <c>sent|{what}|{key}</c>: "already done" for an effect owed more than once (<see cref="SentMarker"/>).
    /// </summary>
    public const string SentPrefix = "sent|";
    /// <summary><c>state|{feature}</c>: a feature's typed state (<see cref="IncidentState"/>).</summary>
    public const string StatePrefix = "state|";
    /// <summary><c>tl|{ticks}|{unique}</c>: a timeline entry (<see cref="TimelineEntry"/>), in time order.</summary>
    public const string TimelinePrefix = "tl|";

    public static string Alert(string alertHash) => AlertPrefix + alertHash;
    public static string AlertHash(string rowKey) => rowKey[AlertPrefix.Length..];

    /// <summary>Time order, then the order within one change.</summary>
    public static string Outbox(DateTimeOffset at, int sequence)
        => $"{OutboxPrefix}{Keys.Ticks(at)}|{sequence:D3}|{Keys.Unique()}";
    public static string OutboxId(string rowKey) => rowKey[OutboxPrefix.Length..];
    public static string OutboxRow(string actionId) => OutboxPrefix + actionId;

    public static string Occurrence(string what, DateTimeOffset at) => $"{OccurrencePrefix}{what}|{Keys.Ticks(at)}";
    public static string Sent(string what, string key) => $"{SentPrefix}{what}|{key}";
    public static string Timeline(DateTimeOffset at) => $"{TimelinePrefix}{Keys.Ticks(at)}|{Keys.Unique()}";

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static string End(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    internal static string Range(string incidentId, string prefix) =>
        TableClient.CreateQueryFilter(
            $"PartitionKey eq {incidentId} and RowKey ge {prefix} and RowKey lt {End(prefix)}");
}
