using AutoResponder.Outbox;

namespace AutoResponder.Teams;

/// <summary>Outbox kinds of Teams (what Teams keeps about an incident is <see cref="TeamsState"/>).</summary>
internal static class TeamsOutbox
{
    /// <summary>
    /// The root post of a new incident: a first notice, signalled on its own queue ahead of follow-up work.
    /// </summary>
    public static readonly OutboxKind<EntryPayload> Post =
        OutboxKind.Declare<EntryPayload, TeamsRootPostHandler>("teams.post", SignalLane.FirstNotice);

    /// <summary>A threaded reply for one timeline entry (the root post is refreshed in place with it).</summary>
    public static readonly OutboxKind<TeamsReplyPayload> Reply =
        OutboxKind.Declare<TeamsReplyPayload, TeamsReplyHandler>("teams.reply");

    public static readonly IReadOnlyList<OutboxKind> All = [Post, Reply];
}

internal sealed class TeamsRootPostHandler(TeamsPublisher publisher) : IOutboxHandler
{
    public Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken)
        => publisher.PostRootAsync(context, cancellationToken);
}

internal sealed class TeamsReplyHandler(TeamsPublisher publisher) : IOutboxHandler
{
    public Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken)
        => publisher.ReplyAsync(context, cancellationToken);
}
