using AutoResponder.Graph;
using AutoResponder.Incidents;
using AutoResponder.Teams;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Tests.Teams;

/// <summary>Configured lists replace the defaults; they are not appended to them (the binder appends to pre-filled lists).</summary>
public sealed class TeamsOptionsBindingTests
{
    private static T Bind<T>(string section, params (string Key, string Value)[] values) where T : new()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => $"{section}:{v.Key}", v => (string?)v.Value)).Build();
        var options = new T();
        configuration.GetSection(section).Bind(options);
        return options;
    }

    [Fact]
    public void Configured_reply_and_mention_kinds_replace_the_defaults()
    {
        var options = Bind<TeamsOptions>("AutoResponder:Teams", ("ReplyKinds:0", "resolved"), ("MentionKinds:0", "resolved"));
        Assert.Equal(["resolved"], options.EffectiveReplyKinds);
        Assert.Equal(["resolved"], options.EffectiveMentionKinds);
    }

    [Fact]
    public void By_default_every_meaningful_event_is_a_reply_and_reminders_mention_someone()
    {
        var options = new TeamsOptions();
        Assert.Contains(TimelineKinds.RcaEscalated, options.EffectiveReplyKinds);
        Assert.Contains(TimelineKinds.ImpactSnapshot, options.EffectiveReplyKinds);
        Assert.DoesNotContain(TimelineKinds.Alert, options.EffectiveReplyKinds);
        Assert.Contains(TimelineKinds.StatusOverdue, options.EffectiveMentionKinds);
    }

    [Fact]
    public void Configured_delegated_scopes_replace_the_defaults()
    {
        var options = Bind<GraphOptions>("AutoResponder:Graph", ("DelegatedScopes:0", "https://graph.microsoft.com/ChannelMessage.Send"));
        Assert.Equal(["https://graph.microsoft.com/ChannelMessage.Send"], options.EffectiveDelegatedScopes);
    }
}
