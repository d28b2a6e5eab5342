using System.Net;
using System.Text.Json;
using AutoResponder.Graph;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using AutoResponder.Teams;
using Microsoft.Graph.Models;

namespace AutoResponder.OnCall;

/// <summary>One page to one person, as a notifier sees it.</summary>
internal sealed record Page(IncidentRecord Incident, string Person, string Reason, string ConsoleLink)
{
    public string Text => $"You are paged for {Incident.Severity} incident {Incident.Id}: {Incident.Title} " +
        $"({Reason}). Please acknowledge: {ConsoleLink}";
}

/// <summary>
/// One way of reaching a person (Teams chat, e-mail, the incident's Teams thread; SMS or voice can be added later
/// with one registration). <see cref="SendAsync"/> returns false when the channel does not apply (e.g. Teams is off).
/// </summary>
internal interface IPageNotifier
{
    /// <summary>A short name, part of the page's sent marker: never rename one in use.</summary>
    string Channel { get; }
    Task<bool> SendAsync(Page page, CancellationToken ct);
}

/// <summary>
/// Delivers one page (<see cref="OnCallOutbox.PageSend"/>) through every notifier. Each channel's delivery is recorded
/// (a <see cref="SentMarker"/> per escalation, round, level, person and channel) the moment it went out, so a retry or
/// a second host never sends it twice. One channel failing does not hold back the others; the action is retried for it.
/// A page of an escalation is not sent once someone acknowledged the incident.
/// </summary>
internal sealed class PageHandler(IEnumerable<IPageNotifier> notifiers, IncidentStates states, PeopleLinks links,
    TimeProvider time) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var payload = JsonSerializer.Deserialize<PagePayload>(context.Action.Payload, JsonSerializerOptions.Web)
            ?? throw new PermanentOutboxException($"The {OnCallOutbox.PageSend.Name} payload is empty.");
        var incident = context.Incident;
        // An escalation's page waits for nobody once someone owns the incident; a responder is paged until it is
        // resolved.
        if (payload.Responder ? incident.Status is IncidentStatus.Resolved or IncidentStatus.Closed
            : incident.Status != IncidentStatus.Open)
            return OutboxOutcome.Done($"not sent to {payload.Person}: the incident is {incident.Status.ToApi()}");

        var page = new Page(incident, payload.Person, payload.Reason, links.IncidentPage(incident.Id));
        var channels = new List<string>();
        Exception? failed = null;
        foreach (var notifier in notifiers)
        {
            var key = OnCallState.PageMarker(payload, notifier.Channel);
            if (await states.ExistsAsync(incident.Id, key, ct)) { channels.Add(notifier.Channel); continue; }
            ct.ThrowIfCancellationRequested();
            try
            {
                if (!await notifier.SendAsync(page, ct)) continue;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed ??= e; // the other channels still go out; this one is retried with the action
                continue;
            }
            var now = time.GetUtcNow();
            // Not cancellable: once the page went out, forgetting it would send it again on the retry.
            await states.UpdateAsync<SentMarker>(incident.Id, key, m => { m.At = now; return true; },
                CancellationToken.None);
            channels.Add(notifier.Channel);
        }
        // A channel that failed fails the action (retried, waiting or parked as the outbox decides); what went out is
        // marked.
        if (failed is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        var pagedAt = time.GetUtcNow();
        return new OutboxOutcome($"paged {payload.Person}: {string.Join(", ", channels)}",
            $"Paged {payload.Person} ({(payload.Responder ? "responder" : payload.Reason)}) by " +
            $"{(channels.Count == 0 ? "no channel (none configured)" : string.Join(", ", channels))}.",
            OnCallKinds.PageSent,
            State: payload.Responder
                ? [StateChange.Of<ResponderState>(ResponderState.KeyFor(payload.Person), s => s.PagedAt ??= pagedAt)]
                : null);
    }
}

/// <summary>
/// A direct Teams chat message (Graph, delegated: the service account's one-on-one chat with the person).
/// </summary>
internal sealed class TeamsChatNotifier(GraphClients graph) : IPageNotifier
{
    public string Channel => "teams-chat";
    private string? _me;

    public async Task<bool> SendAsync(Page page, CancellationToken ct) => await GraphPaging.CallAsync("Teams chat", async () =>
    {
        _me ??= (await graph.Delegated.Me.GetAsync(r => r.QueryParameters.Select = ["id"], ct))?.Id
            ?? throw new InvalidOperationException("Graph returned no id for the signed-in service account.");
        var person = await graph.Delegated.Users[page.Person].GetAsync(r =>
            r.QueryParameters.Select = ["id", "displayName"], ct);
        var chat = await graph.Delegated.Chats.PostAsync(new Chat
        {
            ChatType = ChatType.OneOnOne, // Graph answers with the existing one-on-one chat when there is one
            Members = [Member(_me), Member(person?.Id ?? page.Person)],
        }, cancellationToken: ct) ?? throw new InvalidOperationException("Graph returned no chat.");
        await graph.Delegated.Chats[chat.Id].Messages.PostAsync(new ChatMessage
        {
            Body = new ItemBody { ContentType = BodyType.Html, Content = GraphPaging.Html(page) },
        }, cancellationToken: CancellationToken.None);
        return true;
    });

    private static ConversationMember Member(string userId) => new AadUserConversationMember
    {
        OdataType = "#microsoft.graph.aadUserConversationMember",
        Roles = ["owner"],
        AdditionalData = new Dictionary<string, object> { ["user@odata.bind"] = $"https://graph.microsoft.com/v1.0/users('{userId}')" },
    };
}

/// <summary>
/// An @mention of the person in the incident's Teams thread (when Teams is on and the thread exists). The reply is a
/// new channel message: it keeps to the channel's limits like every Teams post (<see cref="TeamsRateLimiter"/>, as a
/// first notice), and a 429 pauses the channel for its Retry-After before the outbox retries the page.
/// </summary>
internal sealed class TeamsThreadNotifier(GraphClients graph, IncidentStates states,
    IntegrationSettings<TeamsOptions> teams, TeamsRateLimiter limiter, TimeProvider time) : IPageNotifier
{
    public string Channel => "teams-thread";

    public async Task<bool> SendAsync(Page page, CancellationToken ct)
    {
        if (!teams.Value.Enabled) return false;
        var thread = await states.ReadAsync<TeamsState>(page.Incident.Id, ct);
        // Listed in a storm digest: no thread until someone acknowledges it (its root post then mentions the owner). The
        // page goes out by its other channels; waiting here would fail it on every attempt.
        if (thread is { RootMessageId: null, Digest: not null }) return false;
        if (thread is not { TeamId: { } teamId, ChannelId: { } channelId, RootMessageId: { } rootId })
            throw new InvalidOperationException("The incident's Teams thread is not posted yet; the page retries.");
        return await GraphPaging.CallAsync("Teams thread mention", async () =>
        {
            var person = await graph.Delegated.Users[page.Person].GetAsync(r =>
                r.QueryParameters.Select = ["id", "displayName"], ct);
            var name = person?.DisplayName ?? page.Person;
            var mention = new ChatMessage
            {
                Body = new ItemBody
                {
                    ContentType = BodyType.Html,
                    Content = $"<at id=\"0\">{WebUtility.HtmlEncode(name)}</at> {GraphPaging.Html(page)}",
                },
                Mentions =
                [
                    new ChatMessageMention
                    {
                        Id = 0, MentionText = name,
                        Mentioned = new ChatMessageMentionedIdentitySet
                        {
                            User = new TeamworkUserIdentity
                            {
                                Id = person?.Id ?? page.Person, DisplayName = name,
                                UserIdentityType = TeamworkUserIdentityType.AadUser,
                            },
                        },
                    },
                ],
            };
            var call = new TeamsCall(teamId, channelId, NewMessage: true, FirstNotice: true, Severity: page.Incident.Severity);
            using var turn = await limiter.WaitAsync(call, ct);
            try
            {
                await graph.Delegated.Teams[teamId].Channels[channelId].Messages[rootId]
                    .Replies.PostAsync(mention, TeamsPublisher.OwnThrottling, CancellationToken.None);
            }
            catch (Exception e) when (GraphErrors.StatusCode(e) == 429)
            {
                limiter.Pause(call, DependencyOutage.RetryAfter(e, time.GetUtcNow()) ?? TimeSpan.FromSeconds(1));
                throw;
            }
            return true;
        });
    }
}

/// <summary>An e-mail to the person (the status e-mails' sender and transport).</summary>
internal sealed class EmailPageNotifier(IMailSender mail, IntegrationSettings<MailOptions> settings) : IPageNotifier
{
    public string Channel => "email";

    public async Task<bool> SendAsync(Page page, CancellationToken ct)
    {
        var subject = $"[{page.Incident.Severity}] Paged: {page.Incident.Title}";
        await mail.SendAsync(MailMessage.Create(settings.Value.SenderMailbox, [page.Person], subject,
            GraphPaging.Html(page), page.Text), ct);
        return true;
    }
}

internal static class GraphPaging
{
    public static string Html(Page page) =>
        $"You are paged for <b>{page.Incident.Severity}</b> incident {WebUtility.HtmlEncode(page.Incident.Id)}: " +
        $"{WebUtility.HtmlEncode(page.Incident.Title)} " +
        $"({WebUtility.HtmlEncode(page.Reason)}). <a href=\"{WebUtility.HtmlEncode(page.ConsoleLink)}\">Acknowledge " +
        $"in the console</a>.";

    /// <summary>
    /// Graph's answers as outbox outcomes: an expired sign-in waits (never parks), a 400/404 parks, the rest retries.
    /// </summary>
    public static async Task<bool> CallAsync(string what, Func<Task<bool>> call)
    {
        try { return await call(); }
        catch (Exception e) when (GraphErrors.IsSignInRequired(e))
        {
            throw new OutboxWaitException($"Waiting for the Graph sign-in ({what}): " +
                $"{ServiceAccountCredential.LoginHint}. {e.Message}", e);
        }
        catch (Exception e) when (GraphErrors.StatusCode(e) is 400 or 404)
        {
            throw new PermanentOutboxException($"Graph rejected the {what} ({GraphErrors.StatusCode(e)}): " +
                $"{e.Message}. Is the person's address right?", e);
        }
    }
}
