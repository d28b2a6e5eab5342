using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

/// <summary>
/// What Teams owes for a timeline entry: the incident's opening → a root post; a kind listed in
/// AutoResponder:Teams:ReplyKinds → a threaded reply (which also refreshes the root post in place).
/// </summary>
internal sealed class TeamsEffect(IOptions<TeamsOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        var o = options.Value;
        if (!o.Enabled) yield break;
        if (entry.Kind == TimelineKinds.Opened)
            yield return TeamsOutbox.Post.Owe(new EntryPayload(entry.RowKey));
        else if (o.EffectiveReplyKinds.Contains(entry.Kind, StringComparer.OrdinalIgnoreCase))
            yield return TeamsOutbox.Reply.Owe(new TeamsReplyPayload(entry.RowKey, entry.Kind, entry.Text, entry.Actor,
                entry.At));
    }
}
