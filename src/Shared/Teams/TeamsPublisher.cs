using System.Text.Json;
using AutoResponder.Graph;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Graph.Models;

namespace AutoResponder.Teams;

/// <summary>
/// The Teams side of an incident: one root post in the routed channel (edited in place as the incident
/// changes) and a threaded reply per meaningful timeline entry. Every post is recorded in the Teams state
/// (<see cref="TeamsState"/>, its own row) as soon as Graph answers, and every step checks the record first, so a retried action never posts twice.
/// Graph failures become outbox outcomes: an expired sign-in waits (never parks) and says loudly how to
/// fix it; a request Graph rejects as bad (400/404) parks at once; anything else retries with backoff.
/// </summary>
public sealed class TeamsPublisher(
    GraphClients graph,
    TeamsRouting routing,
    TeamsMessageRenderer renderer,
    IncidentStates states,
    ISignInAlarm alarm,
    IntegrationSettings<TeamsOptions> settings,
    TimeProvider time,
    ILogger<TeamsPublisher> log,
    IEnumerable<IIncidentSuspects> suspects)
{
    /// <summary>How many suspect changes (newest first) the root post shows.</summary>
    public const int SuspectsOnRoot = 3;

    private readonly IOptions<TeamsOptions> options = settings.Options;

    /// <summary>How much of the latest impact snapshot the root post shows (the full text is in its reply).</summary>
    public const int MaxImpactChars = 1000;

    /// <summary>Posts the root post unless one is recorded.</summary>
    public async Task<OutboxOutcome> PostRootAsync(OutboxContext ctx, CancellationToken ct)
    {
        settings.ThrowIfNotReady(); // a Teams setting is missing or broken: wait, spend no attempt
        var thread = await states.ReadAsync<TeamsState>(ctx.Incident.Id, ct);
        if (thread.RootMessageId is { } existing)
            return OutboxOutcome.Done($"Teams root post already exists: {existing}");
        thread = await CreateRootAsync(ctx.Incident, thread, ct);
        return new OutboxOutcome(
            $"Teams root post {thread.RootMessageId}",
            TimelineText: $"Posted to Teams{(thread.WebUrl is { } url ? $": {url}" : ".")}");
    }

    /// <summary>Posts the reply for one timeline entry (creating the root post first if there is none) and refreshes the root post.</summary>
    public async Task<OutboxOutcome> ReplyAsync(OutboxContext ctx, CancellationToken ct)
    {
        settings.ThrowIfNotReady();
        var entry = JsonSerializer.Deserialize<TeamsReplyPayload>(ctx.Action.Payload, JsonSerializerOptions.Web)
            ?? throw new PermanentOutboxException("The teams.reply payload is empty.");
        var incident = ctx.Incident;
        var thread = await states.ReadAsync<TeamsState>(incident.Id, ct);
        var impact = IsImpact(entry.Kind) ? Truncate(entry.Text, MaxImpactChars) : null;
        if (impact is not null && thread.Impact != impact)
            thread = await states.UpdateAsync<TeamsState>(incident.Id, s => { if (s.Impact == impact) return false; s.Impact = impact; return true; }, ct);

        var createdRoot = false;
        if (thread.RootMessageId is null)
        {
            thread = await CreateRootAsync(incident, thread, ct);
            createdRoot = true;
        }
        var (teamId, channelId, rootId) = (thread.TeamId!, thread.ChannelId!, thread.RootMessageId!);

        var replyKey = TeamsState.ReplyMarker(entry.Entry);
        var marker = await states.ReadAsync<SentMarker>(incident.Id, replyKey, ct);
        string replyId;
        if (marker is { Exists: true, Ref: { } existing })
            replyId = existing;
        else
        {
            var mention = options.Value.EffectiveMentionKinds.Contains(entry.Kind, StringComparer.OrdinalIgnoreCase);
            var reply = renderer.Reply(incident, entry, mention, routing.Route(incident).OnCall);
            var posted = await PostAsync(incident.Id, "reply", ct, () =>
                graph.Delegated.Teams[teamId].Channels[channelId].Messages[rootId].Replies.PostAsync(reply, cancellationToken: CancellationToken.None));
            replyId = posted?.Id ?? throw new InvalidOperationException("Graph returned no id for the reply.");
            // Not cancellable: once the reply exists, forgetting its id would post it again on the retry.
            var now = time.GetUtcNow();
            await states.UpdateAsync<SentMarker>(incident.Id, replyKey, m => { m.Ref = replyId; m.At = now; return true; }, CancellationToken.None);
        }

        var fingerprint = createdRoot ? thread.RootFingerprint! : await UpdateRootAsync(incident, thread, ct);
        return new OutboxOutcome($"Teams reply {replyId} under {rootId}",
            State: fingerprint == thread.RootFingerprint ? null : [StateChange.Of<TeamsState>(s => s.RootFingerprint = fingerprint)]);
    }

    /// <summary>PATCHes the root post when what it should show differs from what it shows. Returns the new fingerprint.</summary>
    private async Task<string> UpdateRootAsync(IncidentRecord incident, TeamsState thread, CancellationToken ct)
    {
        var target = new TeamsTarget(thread.TeamId!, thread.ChannelId!, routing.Route(incident).OnCall);
        var message = renderer.Root(incident, target, thread.Impact, await suspects.NewestAsync(incident, SuspectsOnRoot, ct));
        var fingerprint = TeamsMessageRenderer.Fingerprint(message);
        if (thread.RootFingerprint == fingerprint) return fingerprint;
        await CallAsync(incident.Id, "root update", async () =>
        {
            await graph.Delegated.Teams[target.TeamId].Channels[target.ChannelId].Messages[thread.RootMessageId].PatchAsync(message, cancellationToken: ct);
            return true;
        }, ct);
        return fingerprint;
    }

    /// <summary>
    /// Posts the root post and records it at once. The record is not cancellable: once the post exists, forgetting its
    /// id (say, because the host is shutting down) would make the retry post it a second time.
    /// </summary>
    private async Task<TeamsState> CreateRootAsync(IncidentRecord incident, TeamsState thread, CancellationToken ct)
    {
        var target = routing.Route(incident);
        var message = renderer.Root(incident, target, thread.Impact, await suspects.NewestAsync(incident, SuspectsOnRoot, ct));
        var posted = await PostAsync(incident.Id, "root post", ct, () =>
            graph.Delegated.Teams[target.TeamId].Channels[target.ChannelId].Messages.PostAsync(message, cancellationToken: CancellationToken.None));
        var id = posted?.Id ?? throw new InvalidOperationException("Graph returned no id for the root post.");
        var fingerprint = TeamsMessageRenderer.Fingerprint(message);
        var now = time.GetUtcNow();
        log.LogInformation("Teams root post {MessageId} for {IncidentId} in {TeamId}/{ChannelId}", id, incident.Id, target.TeamId, target.ChannelId);
        return await states.UpdateAsync<TeamsState>(incident.Id, s =>
        {
            (s.RootMessageId, s.TeamId, s.ChannelId, s.RootFingerprint, s.PostedAt) = (id, target.TeamId, target.ChannelId, fingerprint, now);
            s.WebUrl = posted.WebUrl is { Length: > 0 } url ? url : null;
            return true;
        }, CancellationToken.None);
    }

    /// <summary>
    /// A POST that creates a message runs to its end once started, even if the host begins to stop: Graph may
    /// already have posted it, and an answer we stop reading (or an id we do not record) becomes a second post
    /// on the retry. A PATCH can be cut short; repeating it is harmless.
    /// </summary>
    private Task<ChatMessage?> PostAsync(string incidentId, string what, CancellationToken ct, Func<Task<ChatMessage?>> post)
    {
        ct.ThrowIfCancellationRequested();
        return CallAsync(incidentId, what, post, CancellationToken.None);
    }

    private async Task<T> CallAsync<T>(string incidentId, string what, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.IsSignInRequired(e))
        {
            log.LogError(e, "Teams {What} for {IncidentId} is WAITING: the Graph service account is not signed in or its sign-in expired. Fix: {Fix}. " +
                "The action stays in the outbox and is retried; nothing is lost.", what, incidentId, ServiceAccountCredential.LoginHint);
            await alarm.RaiseAsync(incidentId, what, CancellationToken.None);
            throw new OutboxWaitException($"Waiting for the Graph sign-in ({what}): {ServiceAccountCredential.LoginHint}. {e.Message}", e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.StatusCode(e) is 400 or 404)
        {
            throw new PermanentOutboxException($"Graph rejected the Teams {what} ({GraphErrors.StatusCode(e)}): {Describe(e)}. Check {TeamsOptions.Section}:TeamId/ChannelId/Routes.", e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.StatusCode(e) is 403)
        {
            throw new InvalidOperationException($"Graph refused the Teams {what} (403): {Describe(e)}. Is the service account a member of the team, and is ChannelMessage.Send/ReadWrite consented?", e);
        }
    }

    private static string Describe(Exception e) => e is Microsoft.Graph.Models.ODataErrors.ODataError { Error: { } error } ? $"{error.Code}: {error.Message}" : e.Message;

    private static bool IsImpact(string kind) => string.Equals(kind, TimelineKinds.ImpactSnapshot, StringComparison.OrdinalIgnoreCase);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}

public sealed class TeamsRootPostHandler(TeamsPublisher publisher) : IOutboxHandler
{
    public string Kind => TeamsKeys.PostKind;
    public Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken) => publisher.PostRootAsync(context, cancellationToken);
}

public sealed class TeamsReplyHandler(TeamsPublisher publisher) : IOutboxHandler
{
    public string Kind => TeamsKeys.ReplyKind;
    public Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken) => publisher.ReplyAsync(context, cancellationToken);
}
