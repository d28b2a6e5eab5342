using System.Text.Json;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

/// <summary>Outbox kinds and the effect keys Teams records on the incident.</summary>
public static class TeamsKeys
{
    public const string PostKind = "teams.post";
    public const string ReplyKind = "teams.reply";

    public const string RootMessageId = "teams.root.messageId";
    public const string RootTeamId = "teams.root.teamId";
    public const string RootChannelId = "teams.root.channelId";
    public const string RootWebUrl = "teams.root.webUrl";
    /// <summary>Fingerprint of what the root post shows now; an equal one needs no PATCH.</summary>
    public const string RootFingerprint = "teams.root.fingerprint";
    /// <summary>The latest impact snapshot text, shown on the root post.</summary>
    public const string Impact = "teams.impact";
    /// <summary>"teams.reply.{timeline RowKey}" = the reply's message id.</summary>
    public const string ReplyPrefix = "teams.reply.";

    public static string Reply(string entryRowKey) => ReplyPrefix + entryRowKey;
}

/// <summary>
/// What Teams owes for a timeline entry: the incident's opening → a root post; a kind listed in
/// AutoResponder:Teams:ReplyKinds → a threaded reply (which also refreshes the root post in place).
/// </summary>
public sealed class TeamsEffect(IOptions<TeamsOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        var o = options.Value;
        if (!o.Enabled) yield break;
        if (entry.Kind == TimelineKinds.Opened)
            yield return (TeamsKeys.PostKind, JsonSerializer.Serialize(new { entry = entry.RowKey }, JsonSerializerOptions.Web));
        else if (o.EffectiveReplyKinds.Contains(entry.Kind, StringComparer.OrdinalIgnoreCase))
            yield return (TeamsKeys.ReplyKind, JsonSerializer.Serialize(
                new TeamsReplyPayload(entry.RowKey, entry.Kind, entry.Text, entry.Actor, entry.At), JsonSerializerOptions.Web));
    }
}
