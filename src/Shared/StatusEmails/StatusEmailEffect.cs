using System.Text.Json;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

/// <summary>
/// What a "status-email" outbox action carries: a cadence slot (number and start), or the final email.
/// <see cref="OnlyIfNoneSent"/>: the first email owed by a raise of severity, sent only when no slot email went out yet.
/// </summary>
public sealed record StatusEmailPayload(long Slot, DateTimeOffset? SlotAt, bool Final = false, bool OnlyIfNoneSent = false)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
    public static StatusEmailPayload Parse(string json) =>
        JsonSerializer.Deserialize<StatusEmailPayload>(json, JsonSerializerOptions.Web) ?? throw new PermanentOutboxException("Empty status-email payload.");
}

/// <summary>Outbox kinds of the status emails (what they keep about an incident is <see cref="StatusEmailState"/>).</summary>
public static class StatusEmailKeys
{
    public const string EmailKind = "status-email";
    public const string ScheduleKind = "status-email.schedule";
    /// <summary>One e-mail for a storm's incidents (<see cref="StormEmails"/>).</summary>
    public const string StormKind = "status-email.storm";
}

/// <summary>
/// Plans the status-email side effects: a first email when a Sev0–Sev2 incident opens (or is raised into
/// that range before any email went out), a final one at resolution, and a (re)schedule of the due index
/// when the incident opens, reopens or its severity (so its cadence) changes. The cadence emails
/// themselves are owed by the sweep, one per slot.
/// </summary>
public sealed class StatusEmailEffect(IOptions<StatusEmailOptions> options, IOptions<ImpactOptions> impact) : IIncidentEffect
{
    private static readonly string Schedule = "{}";

    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        var o = options.Value;
        if (!o.Enabled) yield break;
        switch (entry.Kind)
        {
            case TimelineKinds.Opened:
                yield return (StatusEmailKeys.ScheduleKind, Schedule);
                if (incident.Severity <= o.FirstEmailUpTo)
                    yield return (StatusEmailKeys.EmailKind, new StatusEmailPayload(0, incident.OpenedAt).ToJson());
                break;
            case TimelineKinds.SeverityRaised:
                yield return (StatusEmailKeys.ScheduleKind, Schedule);
                if (incident.Severity <= o.FirstEmailUpTo) // the handler sends it only if no email went out yet
                {
                    var cadence = o.CadenceFor(incident.Severity);
                    var slot = StatusEmailSlots.SlotAt(incident.OpenedAt, cadence, entry.At);
                    yield return (StatusEmailKeys.EmailKind, new StatusEmailPayload(slot, StatusEmailSlots.SlotStart(incident.OpenedAt, cadence, slot), OnlyIfNoneSent: true).ToJson());
                }
                break;
            case TimelineKinds.Reopened:
                yield return (StatusEmailKeys.ScheduleKind, Schedule);
                break;
            // The final email reports the resolution's impact, so the resolution snapshot triggers it: it is owed in the
            // transaction that records that snapshot (or records that none was taken, or that it was parked). Without
            // impact rules no snapshot is taken and the resolution itself owes it. Later snapshots owe it again; the
            // handler sends one final email per resolution.
            case TimelineKinds.Resolved when impact.Value.Rules.Count == 0:
            case TimelineKinds.ImpactSnapshot or TimelineKinds.ImpactSkipped when incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed:
            case TimelineKinds.ActionFailed when entry.Subject == ImpactKinds.Snapshot && incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed:
                yield return (StatusEmailKeys.EmailKind, new StatusEmailPayload(0, null, Final: true).ToJson());
                break;
        }
    }
}
