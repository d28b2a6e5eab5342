using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Incidents;

/// <summary>
/// What one feature keeps about one incident (the Teams thread, the status emails sent, the latest impact export,
/// the reminders, the postmortem): a typed row of its own in the incident's partition — RowKey
/// <c>state|{feature}</c> — with typed Table properties (dates as dates, counts as numbers). A feature never writes
/// the incident row to record what it did, so background work neither moves the incident's ETag nor queues behind
/// intake; two features never share a row. Read and changed through <see cref="IncidentStates"/>; the outbox writes
/// an action's <see cref="StateChange"/>s in the transaction that marks the action done.
/// </summary>
public abstract class IncidentState : ITableEntity
{
    /// <summary>Feature state keys are this plus the feature's name (<see cref="IncidentRows.StatePrefix"/>).</summary>
    public const string Prefix = IncidentRows.StatePrefix;

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string IncidentId => PartitionKey;

    /// <summary>False for a state nobody has written yet (read as a fresh, empty record).</summary>
    [IgnoreDataMember]
    public bool Exists => ETag != default;
}

/// <summary>
/// "This was done already" for one effect that may be owed more than once (a Teams reply per timeline entry, an
/// export mailed per snapshot): RowKey <c>sent|{what}|{key}</c> in the incident partition, written as soon as the
/// external call succeeded, so a retried or repeated action finds it instead of acting twice. One row per effect, so
/// nothing needs pruning and no row grows.
/// </summary>
internal sealed class SentMarker : IncidentState
{
    /// <summary>What the effect created (a message id), if anything.</summary>
    public string? Ref { get; set; }
    public DateTimeOffset? At { get; set; }

    public static string KeyFor(string what, string key) => IncidentRows.Sent(what, key);
}

/// <summary>
/// A change to one typed state row, applied to the row's current version when it is written — so a concurrent
/// change of the same row (other fields, another action) is kept, not overwritten. This is how an outbox handler
/// reports what it recorded (the outbox handler's <c>OutboxOutcome.State</c>).
/// </summary>
public abstract class StateChange
{
    public abstract string RowKey { get; }

    /// <summary>
    /// Reads the row as it is now and applies the change; the result is written under the ETag it was read with.
    /// </summary>
    internal abstract Task<IncidentState> ApplyToCurrentAsync(IncidentStates states, string incidentId,
        CancellationToken ct);

    /// <summary>A change of <typeparamref name="T"/>'s one row (its RowKey is what <c>new T()</c> sets).</summary>
    public static StateChange Of<T>(Action<T> apply)
        where T : IncidentState, new() => new Typed<T>(new T().RowKey, apply);

    /// <summary>A change of one of several rows of <typeparamref name="T"/> (e.g. a reminder kind, a marker).</summary>
    public static StateChange Of<T>(string rowKey, Action<T> apply)
        where T : IncidentState, new() => new Typed<T>(rowKey, apply);

    /// <summary>Writes a <see cref="SentMarker"/>.</summary>
    public static StateChange Mark(string rowKey, string? reference, DateTimeOffset at) =>
        Of<SentMarker>(rowKey, m => { m.Ref = reference; m.At = at; });

    private sealed class Typed<T>(string rowKey, Action<T> apply) : StateChange where T : IncidentState, new()
    {
        public override string RowKey => rowKey;

        internal override async Task<IncidentState> ApplyToCurrentAsync(IncidentStates states, string incidentId,
            CancellationToken ct)
        {
            var row = await states.ReadAsync<T>(incidentId, rowKey, ct);
            apply(row);
            return row;
        }
    }
}
