using System.Globalization;
using System.Net;
using System.Text;
using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Graph.Models;

namespace AutoResponder.Teams;

/// <summary>
/// Storms, calmly: when more than <see cref="TeamsOptions.StormThreshold"/> incidents open for one channel within a
/// minute, further ones of Sev2 and below are listed in the channel's storm digest instead of a root post each (one
/// digest post per channel and minute, edited in place as more arrive, each line linking the console); Sev0/Sev1
/// always get their own post. A digested incident gets its own thread when it is acknowledged or escalated
/// (<see cref="Promotes"/>). Rows (table IncidentIndex, outside incident partitions):
/// <list type="bullet">
/// <item><c>teams-storm</c> / {channel hash}: <see cref="StormWindowRow"/>, the incidents announced there in the last
/// minute;</item>
/// <item><c>teams-digest|{channel hash}|{yyyyMMddHHmm}</c>: <c>head</c> (<see cref="DigestHeadRow"/>: the post, what it
/// shows, who is rendering it) and <c>i|{incident id}</c> per incident listed (<see cref="DigestItemRow"/>).</item>
/// </list>
/// Listing an incident is a blind upsert of its row (so a retry lists it once) and a read of the head: while someone
/// holds the render claim, that is all. Otherwise it takes the claim (under the head's ETag) and renders: reads the
/// items at its turn, posts or edits the digest, and goes round again while more arrived; then records, releases,
/// reads the items again and goes round once more if any arrived in between. An incident listed while the claim was
/// held is read by its holder, so every listed incident is shown, by one renderer at a time, with one edit per channel
/// limit slot however many arrive.
/// A digest POST whose outcome is unknown is looked for in the channel before it is posted again
/// (<see cref="DigestHeadRow.PostingSince"/>), and a digest deleted in Teams is posted afresh.
/// A channel's digests that are closed and done are pruned when its next digest is posted (<see cref="PruneAsync"/>).
/// </summary>
public sealed class TeamsDigest(StorageClients storage, PeopleLinks links, IOptions<TeamsOptions> options,
    TimeProvider time, ILogger<TeamsDigest> log)
{
    public const string WindowPartition = "teams-storm";
    public const string HeadRow = "head", ItemPrefix = "i|";
    /// <summary>A renderer that died is taken over after this long.</summary>
    public static readonly TimeSpan RenderClaim = TimeSpan.FromSeconds(30);
    /// <summary>
    /// The claim while the digest's first POST is in flight. Graph's RetryHandler may retry a 503 for longer than
    /// <see cref="RenderClaim"/>, and a renderer that took over meanwhile would find no message id and post a second
    /// digest. The Graph client's timeout bounds the whole call, retries included, so a claim written at the POST's turn
    /// for that long and <see cref="RenderClaim"/> more (to record the answer) covers it with a single write, where
    /// renewing the claim during the call would need a timer writing the head beside the renderer. A renderer that dies
    /// mid-POST is taken over by its own action's retry at once (<see cref="ListAsync"/>), by others when this ends.
    /// Edits keep <see cref="RenderClaim"/>: one that outlasts it overlaps the next renderer's edit, and both go round
    /// until each has shown every listed incident.
    /// </summary>
    public static readonly TimeSpan PostClaim = AutoResponder.Graph.GraphClients.RequestTimeout + RenderClaim;
    /// <summary>
    /// How long a storm the window row already shows must last for a first notice to skip writing itself in.
    /// </summary>
    private static readonly TimeSpan StormWriteSkip = TimeSpan.FromSeconds(30);
    /// <summary>Lines a digest post shows (the rest: "and n more", in the console).</summary>
    public const int MaxLines = 80;
    /// <summary>
    /// The most HTML a digest's lines take: Teams refuses a message over about 28 KB, and 80 long titles with their
    /// links could pass it; the lines past this are counted in "and n more".
    /// </summary>
    public const int MaxLinesHtml = 20_000;
    /// <summary>
    /// How long after its minute a digest's rows are kept once it is done (posted, every item shown, nobody rendering):
    /// new first notices join the current minute's digest, so only a retry of one that listed itself earlier reads an
    /// older digest, and that is long over after a day.
    /// </summary>
    public static readonly TimeSpan Kept = TimeSpan.FromDays(1);
    /// <summary>
    /// A digest that was never finished (its renderer gave up and nothing retried it) is dropped after this long all
    /// the same.
    /// </summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromDays(7);
    private const string DigestPrefix = "teams-digest|";

    private TableClient Table => storage.IncidentIndex;

    /// <summary>Timeline kinds that give a digested incident its own thread.</summary>
    public static bool Promotes(string kind) =>
        string.Equals(kind, TimelineKinds.Acknowledged, StringComparison.OrdinalIgnoreCase)
            || string.Equals(kind, TimelineKinds.SeverityRaised, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a first notice goes to the digest: severity and the channel's last minute (<see cref="InStorm"/>).
    /// </summary>
    public static bool Digests(Severity severity, int openedInLastMinute, int threshold) =>
        severity > Severity.Sev1 && threshold > 0 && openedInLastMinute > threshold;

    /// <summary>
    /// Counts <paramref name="incident"/> as opening in <paramref name="target"/>'s channel now (once, however often it
    /// is retried) and answers how many incidents opened there within the last minute, itself included.
    /// </summary>
    public async Task<int> CountOpeningAsync(TeamsTarget target, IncidentRecord incident, CancellationToken ct)
    {
        var key = ChannelKey(target);
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await Table.GetEntityIfExistsAsync<StormWindowRow>(WindowPartition, key,
                cancellationToken: ct);
            var row = existing.HasValue ? existing.Value! : new StormWindowRow
            {
                PartitionKey = WindowPartition,
                RowKey = key,
            };
            var recent = StormWindowRow.Parse(row.Recent).Where(e => e.At > now.AddMinutes(-1)).ToList();
            if (recent.Any(e => e.IncidentId == incident.Id)) return recent.Count;
            // In a storm that the row already shows for another half minute, adding one more changes no decision: no
            // write (during a storm the row is read by every first notice of the channel, written a few times a
            // minute).
            var threshold = options.Value.StormThreshold;
            if (recent.Count > threshold
                && recent.OrderByDescending(e => e.At).ElementAt(threshold).At > now
                - StormWriteSkip) return recent.Count + 1;
            recent.Add((now, incident.Id));
            // Enough to decide (threshold + 1 is a storm); the row stays small however large the storm.
            row.Recent = StormWindowRow.Format(recent.OrderBy(e => e.At).TakeLast(options.Value.StormThreshold + 2));
            try
            {
                if (existing.HasValue) await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
                else await Table.AddEntityAsync(row, ct);
                return recent.Count;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                // another first notice of this channel won
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 40)), ct);
            }
        }
    }

    /// <summary>
    /// The digest a first notice of <paramref name="target"/>'s channel joins now: one per channel and minute.
    /// </summary>
    public string DigestFor(TeamsTarget target)
        => $"{DigestPrefix}{ChannelKey(target)}|{time.GetUtcNow():yyyyMMddHHmm}";

    /// <summary>
    /// Lists the incident in the digest and, if nobody else is rendering it, renders it until nothing is pending through
    /// <paramref name="channel"/>, which renders the message with the function it is given once the call has its turn at
    /// the channel's limits, so the post shows every incident listed while it waited.
    /// </summary>
    internal async Task<DigestHeadRow> ListAsync(string digest, TeamsTarget target, IncidentRecord incident,
        IDigestChannel channel, CancellationToken ct)
    {
        await Table.UpsertEntityAsync(new DigestItemRow
        {
            PartitionKey = digest,
            RowKey = ItemPrefix + incident.Id,
            Title = Truncate(incident.Title, 160),
            SeverityName = incident.SeverityName,
            Service = incident.Service,
            OpenedAt = incident.OpenedAt,
        }, TableUpdateMode.Replace, ct);
        var head = await FindAsync(digest, ct) ?? New(digest, target);
        // The renderer shows it: it reads the items after this claim or its release. A claim of this incident's own is
        // held by an earlier run of this action, which is over (the outbox runs an action once at a time): taken over.
        if ((Claimed(head) && head.Renderer != incident.Id) || !await TryClaimAsync(head, incident.Id, ct)) return head;
        var posting = head.MessageId is null;
        head = await RenderAsync(digest, target, head, channel, ct);
        // a new digest of this channel: a good moment to drop its finished ones
        if (posting) await PruneBestEffortAsync(target, ct);
        return head;
    }

    /// <summary>
    /// Holding the render claim: renders the digest, and again while items arrived meanwhile. A POST whose outcome is
    /// unknown (<see cref="DigestHeadRow.PostingSince"/>) is looked for in the channel first, and a post deleted in Teams
    /// is posted afresh. The first post's id is recorded at once (a post not recorded would be posted again). While more
    /// keep arriving (a storm) it keeps the claim and writes the head only to renew it. When none arrived it records what
    /// it showed and releases, then checks once more and takes the claim again for anyone who listed in between. A
    /// failure gives the claim back, so whichever action comes next (this one's retry, or another incident's) renders at
    /// once.
    /// </summary>
    private async Task<DigestHeadRow> RenderAsync(string digest, TeamsTarget target, DigestHeadRow head,
        IDigestChannel channel, CancellationToken ct)
    {
        while (true)
        {
            int rendered;
            try
            {
                List<DigestItemRow> items = [];
                // the items are read when the call has its turn: whatever was listed while it waited is shown too
                async Task<ChatMessage> RenderAtTurnAsync()
                {
                    items = await ItemsAsync(digest, ct);
                    return Render(head, items);
                }
                if (head is { MessageId: null, PostingSince: { } since }
                    && await channel.FindLostAsync(since, m => IsPostOf(digest, m), ct) is { } found)
                    head = await RecordPostAsync(digest, target, head, found, rendered: 0); // then edited below
                if (head.MessageId is { } messageId)
                {
                    if (!await channel.EditAsync(messageId, RenderAtTurnAsync, ct))
                    {
                        // Graph may answer 404 for a message it created a moment ago: tried again by the outbox (not
                        // parked), not posted twice.
                        if (head.PostedAt is { } postedAt && time.GetUtcNow() - postedAt < RenderClaim)
                            throw new InvalidOperationException($"Graph does not find the storm digest post " +
                                $"{messageId} made at {postedAt:O} (404); tried again later.");
                        // Deleted in Teams (the channel is there: the POST worked). Posted afresh, or the incidents
                        // listed from now on would show only in the console.
                        log.LogWarning("Storm digest {Digest} post {MessageId} is gone (deleted in Teams?): posting " +
                            "it again", digest, messageId);
                        head = await UpdateHeadAsync(digest, target, head, h =>
                        {
                            if (h.MessageId == messageId) (h.MessageId, h.WebUrl, h.PostedAt) = (null, null, null);
                            h.RendererUntil = time.GetUtcNow() + RenderClaim;
                        }, CancellationToken.None);
                        continue;
                    }
                }
                else
                {
                    var posted = await channel.PostAsync(async () =>
                    {
                        var message = await RenderAtTurnAsync();
                        head = await PostingAsync(head);
                        return message;
                    }, ct);
                    head = await RecordPostAsync(digest, target, head, posted, items.Count);
                }
                rendered = items.Count;
                if ((await ItemsAsync(digest, ct)).Count > rendered)
                {
                    // more listed meanwhile: render again, still holding the claim
                    if (ClaimEndsSoon(head))
                    {
                        var renderer = head.Renderer;
                        head = await UpdateHeadAsync(digest, target, head, h =>
                        {
                            h.RenderedCount = Math.Max(h.RenderedCount, rendered);
                            // taken over meanwhile (this one outlasted its claim): the new holder renders
                            if (h.Renderer != renderer) throw new DigestClaimLostException();
                            h.RendererUntil = time.GetUtcNow() + RenderClaim;
                        }, CancellationToken.None);
                    }
                    continue;
                }
            }
            catch (DigestClaimLostException)
            {
                return head; // another renderer holds the claim: it shows everything listed
            }
            catch (Exception e)
            {
                await GiveBackAsync(digest, target, head, e);
                throw;
            }
            // Recorded whatever happens to the caller, and released (unless another renderer took it over meanwhile).
            var held = head.Renderer;
            head = await UpdateHeadAsync(digest, target, head, h =>
            {
                h.RenderedCount = Math.Max(h.RenderedCount, rendered);
                if (h.Renderer == held) h.RendererUntil = null;
            }, CancellationToken.None);
            // Listed after the check: shown by the next round, by whoever claims it (they listed before this release).
            if (Claimed(head) || (await ItemsAsync(digest, ct)).Count == rendered
                || !await TryClaimAsync(head, held, ct)) return head;
        }
    }

    /// <summary>
    /// At the POST's turn, just before it is sent: records that a post is under way, so a retry that finds no message id
    /// looks for it in the channel, and holds the claim for the whole call (<see cref="PostClaim"/>). Written under the
    /// ETag of the claim: if another renderer took over while this one waited for its turn, it posts nothing
    /// (<see cref="DigestClaimLostException"/>). Not cancellable: the POST follows.
    /// </summary>
    private async Task<DigestHeadRow> PostingAsync(DigestHeadRow head)
    {
        head.PostingSince = time.GetUtcNow();
        head.RendererUntil = head.PostingSince + PostClaim;
        if (!await TryWriteAsync(head, CancellationToken.None)) throw new DigestClaimLostException();
        return head;
    }

    /// <summary>
    /// Records a post of this digest (just posted, or an earlier attempt's found in the channel) at once, and not
    /// cancellably: a digest post whose id is lost (the host stopping, storage failing on the next read) would be posted
    /// again by the retry.
    /// </summary>
    private Task<DigestHeadRow> RecordPostAsync(string digest, TeamsTarget target, DigestHeadRow head,
        ChatMessage posted, int rendered)
    {
        var messageId = posted.Id ?? throw new InvalidOperationException("Graph returned no id for the storm digest.");
        var webUrl = posted.WebUrl is { Length: > 0 } url ? url : null;
        return UpdateHeadAsync(digest, target, head, h =>
        {
            if (h.MessageId is null) (h.MessageId, h.WebUrl, h.PostedAt) = (messageId, webUrl, time.GetUtcNow());
            h.PostingSince = null;
            h.RenderedCount = Math.Max(h.RenderedCount, rendered);
            h.RendererUntil = time.GetUtcNow() + RenderClaim;
        }, CancellationToken.None);
    }

    /// <summary>Releases the render claim after a failure (best effort: a claim not given back ends by itself).</summary>
    private async Task GiveBackAsync(string digest, TeamsTarget target, DigestHeadRow head, Exception failure)
    {
        try
        {
            var held = head.Renderer;
            // a claim another renderer took over meanwhile is theirs to give back
            await UpdateHeadAsync(digest, target, head, h => { if (h.Renderer == held) h.RendererUntil = null; },
                CancellationToken.None);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Could not give back the render claim of {Digest} after {Failure}; it ends in {Claim}",
                digest, failure.GetType().Name, RenderClaim);
        }
    }

    private bool ClaimEndsSoon(DigestHeadRow head)
        => head.RendererUntil is not { } until || until - time.GetUtcNow() < RenderClaim / 2;

    /// <summary>
    /// Deletes the rows of <paramref name="target"/>'s channel's digests whose minute is more than <see cref="Kept"/>
    /// ago and that are done (posted, every listed incident shown, nobody rendering; or left without a head), and of
    /// any older than <see cref="Expiry"/>. Returns how many digests it removed.
    /// </summary>
    public async Task<int> PruneAsync(TeamsTarget target, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var channel = $"{DigestPrefix}{ChannelKey(target)}|";
        var closedBefore = channel + (now - Kept).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        var rows = new List<TableEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {channel} and PartitionKey lt {closedBefore}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: ct)) rows.Add(row);
        var removed = 0;
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            var head = partition.FirstOrDefault(r => r.RowKey == HeadRow);
            var items = partition.Where(r => r.RowKey != HeadRow).ToList();
            var done = head is null || (head.GetString(nameof(DigestHeadRow.MessageId)) is not null
                && (head.GetInt32(nameof(DigestHeadRow.RenderedCount)) ?? 0) >= items.Count
                && (head.GetDateTimeOffset(nameof(DigestHeadRow.RendererUntil)) is not { } until || until <= now));
            if (!done && MinuteOf(partition.Key) > now - Expiry) continue; // still owed a render: kept until it expires
            try
            {
                // changed since read: in use, kept
                if (head is not null) await Table.DeleteEntityAsync(head.PartitionKey, head.RowKey, head.ETag, ct);
                foreach (var chunk in items.Chunk(100))
                    await Table.SubmitTransactionAsync(chunk.Select(i =>
                        new TableTransactionAction(TableTransactionActionType.Delete, i, ETag.All)), ct);
                removed++;
            }
            // pruned by someone else meanwhile, or in use again
            catch (RequestFailedException e) when (e.Status is 404 or 412) { }
        }
        return removed;
    }

    private async Task PruneBestEffortAsync(TeamsTarget target, CancellationToken ct)
    {
        try
        {
            if (await PruneAsync(target, ct) is > 0 and var removed)
                log.LogInformation("Pruned {Count} finished storm digests of {ChannelId}", removed, target.ChannelId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Could not prune the finished storm digests of {ChannelId}; the next digest tries again",
                target.ChannelId);
        }
    }

    private static DateTimeOffset MinuteOf(string digest) =>
        DateTimeOffset.ParseExact(digest[^12..], "yyyyMMddHHmm", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal);

    private bool Claimed(DigestHeadRow head) => head.RendererUntil is { } until && until > time.GetUtcNow();

    /// <summary>
    /// Takes the render claim for <paramref name="renderer"/>'s action under the head's ETag; false when another writer
    /// came first (it claimed, so it renders).
    /// </summary>
    private Task<bool> TryClaimAsync(DigestHeadRow head, string? renderer, CancellationToken ct)
    {
        (head.RendererUntil, head.Renderer) = (time.GetUtcNow() + RenderClaim, renderer);
        return TryWriteAsync(head, ct);
    }

    /// <summary>Writes the head under its ETag; false when another writer came first.</summary>
    private async Task<bool> TryWriteAsync(DigestHeadRow head, CancellationToken ct)
    {
        try
        {
            var response = head.ETag == default
                ? await Table.AddEntityAsync(head, ct)
                : await Table.UpdateEntityAsync(head, head.ETag, TableUpdateMode.Replace, ct);
            head.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    private static DigestHeadRow New(string digest, TeamsTarget target) =>
        new() { PartitionKey = digest, RowKey = HeadRow, TeamId = target.TeamId, ChannelId = target.ChannelId };

    /// <summary>
    /// The digest's message: a line per incident (most severe first, then the newest), each linking its console page.
    /// </summary>
    public ChatMessage Render(DigestHeadRow head, IReadOnlyList<DigestItemRow> items)
    {
        var minute = MinuteOf(head.PartitionKey);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture,
            $"<p><b>Storm: {items.Count} more incident{(items.Count == 1 ? "" : "s")} opened in this channel at " +
            $"{minute:HH:mm} UTC</b>. ");
        html.Append("Listed here instead of a post each (Sev0/Sev1 always get their own); one gets its own thread " +
            "when acknowledged or escalated.</p><ul>");
        var shown = 0;
        // newest on top
        foreach (var item in items.OrderBy(i => i.SeverityName, StringComparer.Ordinal)
            .ThenByDescending(i => i.OpenedAt).Take(MaxLines))
        {
            if (html.Length > MaxLinesHtml) break;
            shown++;
            var id = item.RowKey[ItemPrefix.Length..];
            html.Append(CultureInfo.InvariantCulture,
                $"<li>[{Encode(item.SeverityName)}] <a href=\"{Encode(links.IncidentPage(id))}\">{Encode(id)}</a> " +
                $"{Encode(item.Title)}");
            if (item.Service is { Length: > 0 } service)
                html.Append(CultureInfo.InvariantCulture, $" · {Encode(service)}");
            html.Append("</li>");
        }
        html.Append("</ul>");
        if (items.Count > shown)
            html.Append(CultureInfo.InvariantCulture, $"<p>… and {items.Count - shown} more: see the console.</p>");
        return new ChatMessage
        {
            Subject = AutoResponder.Graph.SubjectLine.Clean($"{SubjectOf(head.PartitionKey)}: {items.Count} " +
                $"incident{(items.Count == 1 ? "" : "s")}"),
            Body = new ItemBody { ContentType = BodyType.Html, Content = html.ToString() },
        };
    }

    /// <summary>
    /// How the digest's subject begins: its date and minute, which no other digest of the channel has, so a post of an
    /// earlier attempt is found by it (<see cref="IsPostOf"/>).
    /// </summary>
    private static string SubjectOf(string digest) =>
        string.Create(CultureInfo.InvariantCulture, $"Storm digest {MinuteOf(digest):yyyy-MM-dd HH:mm} UTC");

    /// <summary>Whether <paramref name="message"/> is the post of <paramref name="digest"/>.</summary>
    public static bool IsPostOf(string digest, ChatMessage message) =>
        message.Subject?.StartsWith(SubjectOf(digest), StringComparison.Ordinal) == true;

    public async Task<List<DigestItemRow>> ItemsAsync(string digest, CancellationToken ct)
    {
        var items = new List<DigestItemRow>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {digest} and RowKey ge {ItemPrefix} and RowKey lt {"i}"}");
        await foreach (var row in Table.QueryAsync<DigestItemRow>(filter, cancellationToken: ct)) items.Add(row);
        return items;
    }

    public async Task<DigestHeadRow?> FindAsync(string digest, CancellationToken ct)
    {
        var head = await Table.GetEntityIfExistsAsync<DigestHeadRow>(digest, HeadRow, cancellationToken: ct);
        return head.HasValue ? head.Value : null;
    }

    /// <summary>
    /// Applies and writes the head under its ETag until it wins: first to <paramref name="held"/>, the head as the
    /// render claim left it (only a renderer writes it, so that mostly wins without a read), then to the head as read.
    /// </summary>
    private async Task<DigestHeadRow> UpdateHeadAsync(string digest, TeamsTarget target, DigestHeadRow held,
        Action<DigestHeadRow> apply, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var head = attempt == 0 && held.ETag != default ? held : await FindAsync(digest, ct) ?? New(digest, target);
            apply(head);
            try
            {
                var response = head.ETag == default
                    ? await Table.AddEntityAsync(head, ct)
                    : await Table.UpdateEntityAsync(head, head.ETag, TableUpdateMode.Replace, ct);
                head.ETag = response.Headers.ETag ?? default;
                return head;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 50)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 20)), ct);
            }
        }
    }

    private static string ChannelKey(TeamsTarget target) => Keys.Hash($"{target.TeamId}\n{target.ChannelId}");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}

/// <summary>
/// The incidents announced in one channel within the last minute ("{ticks} {incident id}" per line, oldest first).
/// </summary>
internal sealed class StormWindowRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Recent { get; set; } = "";

    public static IEnumerable<(DateTimeOffset At, string IncidentId)> Parse(string recent) =>
        recent.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', 2))
            .Where(p => p.Length == 2 && long.TryParse(p[0], out _))
            .Select(p => (new DateTimeOffset(long.Parse(p[0], CultureInfo.InvariantCulture), TimeSpan.Zero), p[1]));

    public static string Format(IEnumerable<(DateTimeOffset At, string IncidentId)> recent) =>
        string.Join('\n', recent.Select(e => $"{e.At.UtcTicks} {e.IncidentId}"));
}

/// <summary>A storm digest post: where it is, how many incidents it shows, and who renders it (until when).</summary>
public sealed class DigestHeadRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string TeamId { get; set; } = "";
    public string ChannelId { get; set; } = "";
    public string? MessageId { get; set; }
    public string? WebUrl { get; set; }
    /// <summary>When the post was recorded (Graph may not find a message it has just created).</summary>
    public DateTimeOffset? PostedAt { get; set; }
    public int RenderedCount { get; set; }
    public DateTimeOffset? RendererUntil { get; set; }
    /// <summary>The incident whose first notice holds the render claim (its action's retry takes it over at once).</summary>
    public string? Renderer { get; set; }
    /// <summary>
    /// When the digest's POST was last sent; set while <see cref="MessageId"/> is not: the outcome of that post is unknown.
    /// </summary>
    public DateTimeOffset? PostingSince { get; set; }
}

/// <summary>
/// How a storm digest reaches its channel: the publisher's Graph calls, within the channel's limits. Each renders the
/// message with the function it is given once the call has its turn.
/// </summary>
internal interface IDigestChannel
{
    /// <summary>Posts the digest; not cancellable once it has its turn (Graph may create it).</summary>
    Task<ChatMessage> PostAsync(Func<Task<ChatMessage>> render, CancellationToken ct);

    /// <summary>Edits the digest's post; false when it is gone (404: deleted in Teams).</summary>
    Task<bool> EditAsync(string messageId, Func<Task<ChatMessage>> render, CancellationToken ct);

    /// <summary>
    /// The post of an earlier attempt sent since <paramref name="since"/> whose outcome is unknown, if the channel shows it;
    /// null when it is not found or the channel may not be read (then it is posted again).
    /// </summary>
    Task<ChatMessage?> FindLostAsync(DateTimeOffset since, Func<ChatMessage, bool> isIt, CancellationToken ct);
}

/// <summary>Another renderer took the digest's render claim over: this one stops, and posts nothing.</summary>
internal sealed class DigestClaimLostException() : Exception("Another renderer holds the storm digest's render claim.");

/// <summary>One incident listed in a storm digest.</summary>
public sealed class DigestItemRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Title { get; set; } = "";
    public string SeverityName { get; set; } = "";
    public string? Service { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
}
