using System.Text.Json;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

/// <summary>
/// What a <see cref="StatusEmailOutbox.Email"/> action carries: a cadence slot (number and start), or the final email.
/// <see cref="OnlyIfNoneSent"/>: the first email owed by a raise of severity, sent only when no slot email went out
/// yet.
/// </summary>
internal sealed record StatusEmailPayload(long Slot, DateTimeOffset? SlotAt, bool Final = false,
    bool OnlyIfNoneSent = false)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
    public static StatusEmailPayload Parse(string json) =>
        JsonSerializer.Deserialize<StatusEmailPayload>(json, JsonSerializerOptions.Web)
            ?? throw new PermanentOutboxException("Empty status-email payload.");
}

/// <summary>
/// Plans the status-email side effects: a first email when a Sev0–Sev2 incident opens (or is raised into
/// that range before any email went out), a final one at resolution, and a (re)schedule of the due index
/// when the incident opens, reopens or its severity (so its cadence) changes. The cadence emails
/// themselves are owed by the sweep, one per slot.
/// </summary>
internal sealed class StatusEmailEffect(IOptions<StatusEmailOptions> options, IOptions<ImpactOptions> impact)
    : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        var o = options.Value;
        if (!o.Enabled) yield break;
        switch (entry.Kind)
        {
            case TimelineKinds.Opened:
                yield return StatusEmailOutbox.Schedule.Owe(NoPayload.Value);
                if (incident.Severity <= o.FirstEmailUpTo)
                    yield return StatusEmailOutbox.Email.Owe(new StatusEmailPayload(0, incident.OpenedAt));
                break;
            case TimelineKinds.SeverityRaised:
                yield return StatusEmailOutbox.Schedule.Owe(NoPayload.Value);
                if (incident.Severity <= o.FirstEmailUpTo) // the handler sends it only if no email went out yet
                {
                    var cadence = o.CadenceFor(incident.Severity);
                    var slot = StatusEmailSlots.SlotAt(incident.OpenedAt, cadence, entry.At);
                    yield return StatusEmailOutbox.Email.Owe(new StatusEmailPayload(slot,
                        StatusEmailSlots.SlotStart(incident.OpenedAt, cadence, slot), OnlyIfNoneSent: true));
                }
                break;
            case TimelineKinds.Reopened:
                yield return StatusEmailOutbox.Schedule.Owe(NoPayload.Value);
                break;
            // The final email reports the resolution's impact, so the resolution snapshot triggers it: it is owed in
            // the transaction that records that snapshot (or records that none was taken, or that it was parked).
            // Without impact rules no snapshot is taken and the resolution itself owes it. Later snapshots owe it
            // again; the handler sends one final email per resolution.
            case TimelineKinds.Resolved when impact.Value.Rules.Count == 0:
            case TimelineKinds.ImpactSnapshot or TimelineKinds.ImpactSkipped when incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed:
            case TimelineKinds.ActionFailed when entry.Subject == ImpactOutbox.Snapshot.Name && incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed:
                yield return StatusEmailOutbox.Email.Owe(new StatusEmailPayload(0, null, Final: true));
                break;
        }
    }
}
