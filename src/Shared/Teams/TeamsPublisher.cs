using System.Net;
using System.Text.Json;
using AutoResponder.Graph;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Graph.Models;
using Microsoft.Graph.Teams.Item.Channels.Item.Messages;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;

namespace AutoResponder.Teams;

/// <summary>
/// The Teams side of an incident: one root post in the routed channel (edited in place as the incident
/// changes) and a threaded reply per meaningful timeline entry. Every post is recorded in the Teams state
/// (<see cref="TeamsState"/>, its own row) as soon as Graph answers, and every step checks the record first, so a
/// retried action never posts twice. Graph failures become outbox outcomes: an expired sign-in waits (never parks) and
/// says loudly how to fix it; a request Graph rejects as bad (400/404) parks at once; anything else retries with
/// backoff. Every call keeps to Graph's Teams limits (<see cref="TeamsRateLimiter"/>); a 429 pauses the channel and is
/// retried after its Retry-After (here when short, else by the outbox, which never parks for it). In a storm a first
/// notice of Sev2 and below may be a line in the channel's digest instead of a root post (<see cref="TeamsDigest"/>).
/// </summary>
internal sealed class TeamsPublisher(
    GraphClients graph,
    TeamsRouting routing,
    TeamsMessageRenderer renderer,
    IncidentStates states,
    TeamsRateLimiter limiter,
    TeamsDigest digests,
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

    /// <summary>
    /// The first notice: the root post (unless one is recorded), or in a storm a line in the channel's digest.
    /// </summary>
    public async Task<OutboxOutcome> PostRootAsync(OutboxContext ctx, CancellationToken ct)
    {
        settings.ThrowIfNotReady(); // a Teams setting is missing or broken: wait, spend no attempt
        var incident = ctx.Incident;
        var thread = await states.ReadAsync<TeamsState>(incident.Id, ct);
        if (thread.RootMessageId is { } existing)
            return OutboxOutcome.Done($"Teams root post already exists: {existing}");
        var target = routing.Route(incident);
        // always its own post: first, then counted for the channel's storm window
        if (incident.Severity <= Alerts.Severity.Sev1)
        {
            thread = await CreateRootAsync(incident, thread, firstNotice: true, ct);
            if (options.Value.StormThreshold > 0) await CountBestEffortAsync(target, incident, ct);
            return RootPosted(thread);
        }
        // An earlier attempt sent its own root post and its outcome is unknown: it stays an own post (CreateRootAsync
        // looks for that post first), never a digest line besides a post that may exist.
        if (thread.Digest is null && thread.RootPostingSince is null && options.Value.StormThreshold > 0)
        {
            var opened = await digests.CountOpeningAsync(target, incident, ct);
            if (TeamsDigest.Digests(incident.Severity, opened, options.Value.StormThreshold))
            {
                var digest = digests.DigestFor(target);
                thread = await states.UpdateAsync<TeamsState>(incident.Id, s => { if (s.Digest is not null) return false; s.Digest = digest; return true; }, ct);
            }
        }
        if (thread.Digest is { } listedIn)
        {
            var head = await digests.ListAsync(listedIn, target, incident, new DigestCalls(this,
                incident.Id, target, graph.Delegated.Teams[target.TeamId].Channels[target.ChannelId].Messages), ct);
            return new OutboxOutcome($"Listed in the Teams storm digest {head.MessageId}",
                TimelineText: $"Listed in the Teams storm " +
                    $"digest{(head.WebUrl is { } digestUrl ? $": {digestUrl}" : ".")} It gets its own thread when " +
                    $"acknowledged or escalated.");
        }
        thread = await CreateRootAsync(incident, thread, firstNotice: true, ct);
        return RootPosted(thread);
    }

    private static OutboxOutcome RootPosted(TeamsState thread) => new(
        $"Teams root post {thread.RootMessageId}",
        TimelineText: $"Posted to Teams{(thread.WebUrl is { } url ? $": {url}" : ".")}");

    private async Task CountBestEffortAsync(TeamsTarget target, IncidentRecord incident, CancellationToken ct)
    {
        try { await digests.CountOpeningAsync(target, incident, ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Could not count {IncidentId} in the storm window of {ChannelId}; it is posted",
                incident.Id, target.ChannelId);
        }
    }

    /// <summary>
    /// Posts the reply for one timeline entry (creating the root post first if there is none) and refreshes the root
    /// post.
    /// </summary>
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

        if (thread.RootMessageId is null && thread.Digest is not null && !TeamsDigest.Promotes(entry.Kind))
            return OutboxOutcome.Done("Listed in the Teams storm digest: no thread of its own until it is " +
                "acknowledged or escalated.");

        var createdRoot = false;
        if (thread.RootMessageId is null) // never posted, or listed in a storm digest and now acknowledged or escalated
        {
            thread = await CreateRootAsync(incident, thread, firstNotice: false, ct);
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
            var posted = await PostAsync(incident.Id, "reply",
                new TeamsCall(teamId, channelId, NewMessage: true, FirstNotice: false), ct, () =>
                graph.Delegated.Teams[teamId].Channels[channelId].Messages[rootId].Replies.PostAsync(reply,
                    OwnThrottling, CancellationToken.None));
            replyId = posted?.Id ?? throw new InvalidOperationException("Graph returned no id for the reply.");
            // Not cancellable: once the reply exists, forgetting its id would post it again on the retry.
            var now = time.GetUtcNow();
            await states.UpdateAsync<SentMarker>(incident.Id, replyKey, m => { m.Ref = replyId; m.At = now; return true; }, CancellationToken.None);
        }

        var fingerprint = createdRoot ? thread.RootFingerprint! : await UpdateRootAsync(incident, thread, ct);
        return new OutboxOutcome($"Teams reply {replyId} under {rootId}",
            State: fingerprint == thread.RootFingerprint
                ? null : [StateChange.Of<TeamsState>(s => s.RootFingerprint = fingerprint)]);
    }

    /// <summary>
    /// PATCHes the root post when what it should show differs from what it shows. Returns the new fingerprint.
    /// </summary>
    private async Task<string> UpdateRootAsync(IncidentRecord incident, TeamsState thread, CancellationToken ct)
    {
        var target = new TeamsTarget(thread.TeamId!, thread.ChannelId!, routing.Route(incident).OnCall);
        var message = renderer.Root(incident, target, thread.Impact,
            await suspects.NewestAsync(incident, SuspectsOnRoot, ct));
        var fingerprint = TeamsMessageRenderer.Fingerprint(message);
        if (thread.RootFingerprint == fingerprint) return fingerprint;
        await CallAsync(incident.Id, "root update", new TeamsCall(target.TeamId, target.ChannelId, NewMessage: false, FirstNotice: false), async () =>
        {
            await graph.Delegated.Teams[target.TeamId].Channels[target.ChannelId].Messages[thread.RootMessageId].PatchAsync(message, OwnThrottling, ct);
            return true;
        }, ct);
        return fingerprint;
    }

    /// <summary>
    /// Posts the root post and records it at once. The record is not cancellable: once the post exists, forgetting its
    /// id (say, because the host is shutting down) would make the retry post it a second time.
    /// </summary>
    private async Task<TeamsState> CreateRootAsync(IncidentRecord incident, TeamsState thread, bool firstNotice,
        CancellationToken ct)
    {
        var target = routing.Route(incident);
        var message = renderer.Root(incident, target, thread.Impact,
            await suspects.NewestAsync(incident, SuspectsOnRoot, ct));
        var fingerprint = TeamsMessageRenderer.Fingerprint(message);
        if (thread.RootPostingSince is { } since
            && await FindLostPostAsync(incident.Id, "root post", target,
                new TeamsCall(target.TeamId, target.ChannelId, NewMessage: false, firstNotice, Severity: incident.Severity),
                since, m => Carries(m, incident.Id), ct) is { } found)
            return await RecordRootAsync(incident.Id, target, found, fingerprint: null); // the next change PATCHes it
        var messages = graph.Delegated.Teams[target.TeamId].Channels[target.ChannelId].Messages;
        var posted = await PostAsync(incident.Id, "root post",
            new TeamsCall(target.TeamId, target.ChannelId, NewMessage: true, firstNotice, Severity: incident.Severity), ct,
            async () =>
            {
                // Recorded once the post has its turn, just before it is sent: a wait at the limits, or a paused channel
                // that sends the action back to the outbox, sends nothing (and leaves the incident free to be digested).
                // Not cancellable, as the POST that follows.
                var attempt = time.GetUtcNow();
                thread = await states.UpdateAsync<TeamsState>(incident.Id, s => { if (s.RootMessageId is not null) return false; s.RootPostingSince = attempt; return true; }, CancellationToken.None);
                return thread.RootMessageId is null
                    ? await messages.PostAsync(message, OwnThrottling, CancellationToken.None)
                    : null;
            });
        if (thread.RootMessageId is not null) return thread; // posted meanwhile by another runner
        if (posted?.Id is null) throw new InvalidOperationException("Graph returned no id for the root post.");
        log.LogInformation("Teams root post {MessageId} for {IncidentId} in {TeamId}/{ChannelId}", posted.Id,
            incident.Id, target.TeamId, target.ChannelId);
        return await RecordRootAsync(incident.Id, target, posted, fingerprint);
    }

    /// <summary>
    /// Records the root post. Not cancellable: once the post exists, forgetting its id would make the retry post it
    /// again.
    /// </summary>
    private Task<TeamsState> RecordRootAsync(string incidentId, TeamsTarget target, ChatMessage posted,
        string? fingerprint)
    {
        var now = time.GetUtcNow();
        return states.UpdateAsync<TeamsState>(incidentId, s =>
        {
            (s.RootMessageId, s.TeamId, s.ChannelId, s.RootFingerprint, s.PostedAt, s.RootPostingSince) =
                (posted.Id, target.TeamId, target.ChannelId, fingerprint, now, null);
            s.WebUrl = posted.WebUrl is { Length: > 0 } url ? url : null;
            return true;
        }, CancellationToken.None);
    }

    /// <summary>Pages of the channel's messages looked through for a lost post (50 each).</summary>
    private const int LookupPages = 4;

    /// <summary>
    /// An earlier attempt sent the <paramref name="what"/> and nothing recorded Graph's answer (the host died, or the
    /// answer was lost): the post <paramref name="isIt"/> recognises, sent since <paramref name="since"/>, if the account
    /// may read the channel (<see cref="TeamsOptions.ReadChannelMessages"/>) and finds it among the newest messages, to
    /// be recorded instead of posted again; otherwise null, and it is posted again. Both say so in a warning. Used for the
    /// root post and the storm digest; <paramref name="read"/> is what its reads count as at the limits (a first notice's
    /// look is a first notice's call, never behind follow-up work).
    /// </summary>
    private async Task<ChatMessage?> FindLostPostAsync(string incidentId, string what, TeamsTarget target, TeamsCall read,
        DateTimeOffset since, Func<ChatMessage, bool> isIt, CancellationToken ct)
    {
        if (options.Value.ReadChannelMessages && await FindInChannelAsync(incidentId, target, read, since, isIt, ct) is { } found)
        {
            log.LogWarning("Teams {What} for {IncidentId} of an earlier attempt found in the channel ({MessageId}): " +
                "recorded, not posted again", what, incidentId, found.Id);
            return found;
        }
        log.LogWarning("Teams {What} for {IncidentId}: an earlier attempt at {Since} has an unknown outcome; posting " +
            "again{Hint}", what, incidentId, since,
            options.Value.ReadChannelMessages
                ? " (not found in the channel)"
                : $" (set {TeamsOptions.Section}:ReadChannelMessages to look first)");
        return null;
    }

    /// <summary>
    /// The channel's post <paramref name="isIt"/> recognises, sent since <paramref name="since"/> (less a few minutes of
    /// clock skew); null when none is among the newest messages or the account may not read them.
    /// </summary>
    private async Task<ChatMessage?> FindInChannelAsync(string incidentId, TeamsTarget target, TeamsCall read,
        DateTimeOffset since, Func<ChatMessage, bool> isIt, CancellationToken ct)
    {
        var messages = graph.Delegated.Teams[target.TeamId].Channels[target.ChannelId].Messages;
        // each page is a request to the channel (read: what the look is part of): within its limits, and a 429 pauses
        // it as for any other call
        try
        {
            var page = await CallAsync(incidentId, "lost-post lookup", read,
                () => messages.GetAsync(r => { r.QueryParameters.Top = 50; r.Options.Add(RetryUnavailableOnly); }, ct),
                ct);
            for (var n = 1; page is not null; n++)
            {
                var found = page.Value?.FirstOrDefault(m =>
                    (m.CreatedDateTime is not { } created || created >= since - TimeSpan.FromMinutes(5)) && isIt(m));
                if (found is not null || n >= LookupPages || page.OdataNextLink is not { } next) return found;
                page = await CallAsync(incidentId, "lost-post lookup", read,
                    () => messages.WithUrl(next).GetAsync(r => r.Options.Add(RetryUnavailableOnly), ct), ct);
            }
            return null;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.StatusCode(e) is 403 or 404)
        {
            log.LogWarning("Teams: could not read channel messages to look for a lost post ({Status}); is " +
                "ChannelMessage.Read.All consented? Posting again.", GraphErrors.StatusCode(e));
            return null;
        }
    }

    private static bool Carries(ChatMessage message, string incidentId) =>
        message.Subject?.Contains(incidentId, StringComparison.Ordinal) == true ||
        message.Body?.Content?.Contains(incidentId, StringComparison.Ordinal) == true ||
        message.Attachments?.Any(a => a.Content?.Contains(incidentId, StringComparison.Ordinal) == true) == true;

    /// <summary>
    /// A POST that creates a message runs to its end once started, even if the host begins to stop: Graph may
    /// already have posted it, and an answer we stop reading (or an id we do not record) becomes a second post
    /// on the retry. A PATCH can be cut short; repeating it is harmless.
    /// </summary>
    private Task<ChatMessage?> PostAsync(string incidentId, string what, TeamsCall call, CancellationToken ct,
        Func<Task<ChatMessage?>> post)
    {
        ct.ThrowIfCancellationRequested();
        return CallAsync(incidentId, what, call, post, CancellationToken.None, waitToken: ct);
    }

    /// <summary>
    /// Graph's RetryHandler keeps retrying 503/504; a 429 is ours, so the channel's limiter hears of it and the wait is
    /// on the <see cref="TimeProvider"/>. (The option's delegate replaces the handler's own status check, so it names
    /// both.)
    /// </summary>
    private static readonly RetryHandlerOption RetryUnavailableOnly = new()
    {
        ShouldRetry = (_, _, response)
            => response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
    };

    internal static void OwnThrottling(RequestConfiguration<DefaultQueryParameters> request)
        => request.Options.Add(RetryUnavailableOnly);

    /// <summary>
    /// One Graph call within the limits; a 429 pauses the channel and is retried here up to three times when its
    /// Retry-After is short.
    /// </summary>
    private async Task<T> CallAsync<T>(string incidentId, string what, TeamsCall limits, Func<Task<T>> call,
        CancellationToken ct, CancellationToken? waitToken = null)
    {
        for (var throttled = 0; ; throttled++)
        {
            using var turn = await limiter.WaitAsync(limits, waitToken ?? ct);
            try
            {
                return await CallOnceAsync(incidentId, what, call, ct);
            }
            catch (Exception e) when (GraphErrors.StatusCode(e) == 429)
            {
                var retryAfter = DependencyOutage.RetryAfter(e, time.GetUtcNow()) ?? TimeSpan.FromSeconds(1);
                limiter.Pause(limits, retryAfter);
                log.LogWarning("Teams {What} for {IncidentId} throttled (429): channel paused for {RetryAfter}", what,
                    incidentId, retryAfter);
                // the outbox retries it then, spending no attempt
                if (throttled >= 2 || retryAfter > TeamsRateLimiter.LongestPauseWaited) throw;
            }
        }
    }

    private async Task<T> CallOnceAsync<T>(string incidentId, string what, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.IsSignInRequired(e))
        {
            log.LogError(e, "Teams {What} for {IncidentId} is WAITING: the Graph service account is not signed in or " +
                "its sign-in expired. Fix: {Fix}. " +
                "The action stays in the outbox and is retried; nothing is lost.", what, incidentId,
                    ServiceAccountCredential.LoginHint);
            await alarm.RaiseAsync(incidentId, what, CancellationToken.None);
            throw new OutboxWaitException($"Waiting for the Graph sign-in ({what}): " +
                $"{ServiceAccountCredential.LoginHint}. {e.Message}", e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.StatusCode(e) is 400 or 404)
        {
            throw new PermanentOutboxException($"Graph rejected the Teams {what} ({GraphErrors.StatusCode(e)}): " +
                $"{Describe(e)}. Check {TeamsOptions.Section}:TeamId/ChannelId/Routes.", e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.StatusCode(e) is 403)
        {
            throw new InvalidOperationException($"Graph refused the Teams {what} (403): {Describe(e)}. Is the " +
                $"service account a member of the team, and is ChannelMessage.Send/ReadWrite consented?", e);
        }
    }

    private static string Describe(Exception e) => e is Microsoft.Graph.Models.ODataErrors.ODataError { Error: { } error } ? $"{error.Code}: {error.Message}" : e.Message;

    /// <summary>
    /// A storm digest's Graph calls for the first notice of <paramref name="incidentId"/>: first notices of the channel's
    /// digest, after its own posts (<see cref="TeamsRateLimiter"/>).
    /// </summary>
    private sealed class DigestCalls(TeamsPublisher publisher, string incidentId, TeamsTarget target,
        MessagesRequestBuilder messages) : IDigestChannel
    {
        private TeamsCall Call(bool newMessage) =>
            new(target.TeamId, target.ChannelId, NewMessage: newMessage, FirstNotice: true, Digest: true);

        public async Task<ChatMessage> PostAsync(Func<Task<ChatMessage>> render, CancellationToken ct) =>
            await publisher.PostAsync(incidentId, "storm digest", Call(newMessage: true), ct, async () =>
                await messages.PostAsync(await render(), OwnThrottling, CancellationToken.None))
            ?? throw new InvalidOperationException("Graph returned no storm digest.");

        public async Task<bool> EditAsync(string messageId, Func<Task<ChatMessage>> render, CancellationToken ct)
        {
            try
            {
                await publisher.CallAsync(incidentId, "storm digest update", Call(newMessage: false), async () =>
                    await messages[messageId].PatchAsync(await render(), OwnThrottling, ct), ct);
                return true;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && GraphErrors.StatusCode(e) == 404)
            {
                return false;
            }
        }

        public Task<ChatMessage?> FindLostAsync(DateTimeOffset since, Func<ChatMessage, bool> isIt,
            CancellationToken ct) =>
            publisher.FindLostPostAsync(incidentId, "storm digest", target, Call(newMessage: false), since, isIt, ct);
    }

    private static bool IsImpact(string kind)
        => string.Equals(kind, TimelineKinds.ImpactSnapshot, StringComparison.OrdinalIgnoreCase);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
