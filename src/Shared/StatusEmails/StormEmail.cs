using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using AutoResponder.Teams;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

/// <summary>
/// The "status-email.storm" action: send the storm e-mail of one window (owed by the first incident listed in it).
/// </summary>
internal sealed record StormEmailPayload(string Window)
{
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
    public static StormEmailPayload Parse(string json) =>
        JsonSerializer.Deserialize<StormEmailPayload>(json, JsonSerializerOptions.Web) is { Window.Length: > 0 } p
            ? p : throw new PermanentOutboxException("Empty status-email.storm payload.");
}

/// <summary>
/// Managers get one storm e-mail, not one per incident. An incident listed in its channel's Teams storm digest
/// (<see cref="TeamsState.Digest"/>, no thread of its own: Sev2 and below, not acknowledged) has its status e-mails
/// listed in the storm e-mail of its recipients' current minute instead; Sev0/Sev1, and an incident once acknowledged
/// or escalated (it has its own Teams thread then), get their own. Rows in the table StatusEmailSchedule:
/// <c>storm|{recipients hash}|{yyyyMMddHHmm}</c> holds <c>head</c> (<see cref="StormEmailHead"/>: who owes the send,
/// to whom, when it went) and <c>i|{incident id}</c> per incident listed (<see cref="StormEmailItem"/>). The first
/// incident listed in a window owes the send, due when the window has closed (<see cref="Grace"/> after its minute);
/// the rest only list themselves. One listed after the send goes out on its own.
/// </summary>
internal sealed class StormEmails(StorageClients storage, IncidentStore store, IncidentStates states,
    IOptions<TeamsOptions> teams, TimeProvider time)
{
    private const string HeadRow = "head", ItemPrefix = "i|";
    /// <summary>
    /// How long after its minute a window's e-mail is sent: listings that began within the minute have landed.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);
    /// <summary>
    /// How long after opening an e-mail waits for Teams to decide between a post of its own and the storm digest.
    /// </summary>
    public static readonly TimeSpan TeamsDecision = TimeSpan.FromMinutes(1);
    /// <summary>How often an e-mail waiting for that decision looks again.</summary>
    public static readonly TimeSpan TeamsDecisionRecheck = TimeSpan.FromSeconds(5);

    private TableClient Table => storage.Table(StatusEmailSchedule.TableName);

    /// <summary>
    /// What a status e-mail of <paramref name="incident"/> does now: goes out on its own, is listed in a storm e-mail,
    /// or waits for Teams.
    /// </summary>
    public async Task<StormDecision> DecideAsync(IncidentRecord incident, CancellationToken ct)
    {
        if (incident.Severity <= Severity.Sev1 || incident.AcknowledgedAt is not null) return StormDecision.Own;
        if (!teams.Value.Enabled || teams.Value.StormThreshold <= 0) return StormDecision.Own; // Teams never digests
        var thread = await states.ReadAsync<TeamsState>(incident.Id, ct);
        // its own thread: posted, or promoted out of a digest
        if (thread.RootMessageId is not null) return StormDecision.Own;
        if (thread.Digest is not null) return StormDecision.Storm;
        // Teams has not decided yet: wait a little for its first notice (in a storm it runs ahead of follow-up work).
        if (time.GetUtcNow() - incident.OpenedAt < TeamsDecision
            && (await store.GetOpenActionsAsync(incident.Id, ct)).Any(a => a.Kind == TeamsOutbox.Post.Name))
            return StormDecision.WaitForTeams;
        return StormDecision.Own;
    }

    /// <summary>
    /// Lists the incident's e-mail in the storm e-mail of its recipients' current window. Returns the window and
    /// whether this incident owes its send (it listed first), or null when that window's e-mail already went (send its
    /// own). <c>SentAt</c>: a retried listing found its earlier window's e-mail sent already (it was in it).
    /// </summary>
    public async Task<(string Window, DateTimeOffset DueAt, bool OwesSend, DateTimeOffset? SentAt)?> ListAsync(IncidentRecord incident,
        OutboxAction action, StatusEmailKind kind, IReadOnlyList<string> recipients, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var to = string.Join(";", recipients.Order(StringComparer.OrdinalIgnoreCase));
        var prefix = $"storm|{Keys.Hash(to.ToLowerInvariant())}|";
        var window = prefix + now.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        if (await EarlierListingAsync(prefix, window, incident.Id, action, ct) is { } earlier) return earlier;
        var dueAt = DueAt(window);
        await Table.UpsertEntityAsync(new StormEmailItem
        {
            PartitionKey = window,
            RowKey = ItemPrefix + incident.Id,
            ActionId = action.Id,
            Title = incident.Title,
            SeverityName = incident.SeverityName,
            Service = incident.Service,
            StatusName = incident.Status.ToApi(),
            KindName = kind.ToString(),
            At = now,
        }, TableUpdateMode.Replace, ct);
        var head = new StormEmailHead { PartitionKey = window, RowKey = HeadRow, Owner = incident.Id, Recipients = to };
        try
        {
            await Table.AddEntityAsync(head, ct);
            return (window, dueAt, true, null);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await Table.GetEntityAsync<StormEmailHead>(window, HeadRow, cancellationToken: ct)).Value;
            // a retry of the first lister owes it again
            if (existing.SentAt is null) return (window, dueAt, existing.Owner == incident.Id, null);
            // Sent already (this listing came late): not in it, so it goes out on its own.
            await Table.DeleteEntityAsync(window, ItemPrefix + incident.Id, ETag.All, ct);
            return null;
        }
    }

    /// <summary>The incident an item row lists (its row key is <c>i|{incident id}</c>).</summary>
    public static string IncidentOf(StormEmailItem item) => item.RowKey[ItemPrefix.Length..];

    private static DateTimeOffset DueAt(string window) => MinuteOf(window).AddMinutes(1) + Grace;

    /// <summary>
    /// Where this action listed its e-mail in an earlier minute, if it did: a run that listed (and may owe the send) but
    /// whose outcome was never recorded (the host stopped) is retried in a later minute, and must keep to that window, or
    /// the window it owes would never be sent. Only a run later than its action's minute looks (one query).
    /// </summary>
    private async Task<(string Window, DateTimeOffset DueAt, bool OwesSend, DateTimeOffset? SentAt)?> EarlierListingAsync(string prefix,
        string window, string incidentId, OutboxAction action, CancellationToken ct)
    {
        var since = prefix + (action.DueAt ?? action.CreatedAt).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        if (string.CompareOrdinal(since, window) >= 0) return null;
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {since} and PartitionKey lt {window} and RowKey eq {ItemPrefix + incidentId}");
        var mine = new List<StormEmailItem>();
        await foreach (var item in Table.QueryAsync<StormEmailItem>(filter, cancellationToken: ct))
            if (item.ActionId == action.Id) mine.Add(item);
        foreach (var item in mine.OrderByDescending(i => i.PartitionKey, StringComparer.Ordinal))
        {
            var head = await Table.GetEntityIfExistsAsync<StormEmailHead>(item.PartitionKey, HeadRow,
                cancellationToken: ct);
            // unsent and ours: owed again (due at once); sent, or someone else's to send: listed, nothing owed
            if (head.HasValue && head.Value is { } h)
                return (item.PartitionKey, DueAt(item.PartitionKey), h.SentAt is null && h.Owner == incidentId,
                    h.SentAt);
        }
        return null;
    }

    public async Task<(StormEmailHead? Head, List<StormEmailItem> Items)> ReadAsync(string window, CancellationToken ct)
    {
        var head = await Table.GetEntityIfExistsAsync<StormEmailHead>(window, HeadRow, cancellationToken: ct);
        var items = new List<StormEmailItem>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {window} and RowKey ge {ItemPrefix} and RowKey lt {"i}"}");
        await foreach (var item in Table.QueryAsync<StormEmailItem>(filter, cancellationToken: ct)) items.Add(item);
        return (head.HasValue ? head.Value : null, items);
    }

    /// <summary>
    /// Shows each listed incident as it is now (status, title), not as it was when listed: one of them may have been
    /// acknowledged or resolved in the minute before the e-mail goes.
    /// </summary>
    public async Task RefreshAsync(IReadOnlyList<StormEmailItem> items, CancellationToken ct) =>
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (item, token) =>
            {
                if (await store.FindAsync(IncidentOf(item), token) is not { } incident) return;
                (item.StatusName, item.Title) = (incident.Status.ToApi(), incident.Title);
            });

    /// <summary>
    /// Records that the window's e-mail went out (a later listing sends its own), and drops the same recipients'
    /// windows sent more than a day ago (kept that long for late listings and retries to find them sent).
    /// </summary>
    public async Task MarkSentAsync(StormEmailHead head, DateTimeOffset at, CancellationToken ct)
    {
        head.SentAt = at;
        await Table.UpdateEntityAsync(head, ETag.All, TableUpdateMode.Replace, ct);
        var recipients = head.PartitionKey[..^12];
        var before = recipients + (at - Kept).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        var old = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {recipients} and PartitionKey lt {before}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            old.Add(row);
        foreach (var window in old.GroupBy(r => r.PartitionKey))
            foreach (var chunk in window.Chunk(100))
                await Table.SubmitTransactionAsync(chunk.Select(r =>
                    new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), ct);
    }

    /// <summary>
    /// Counts the window's e-mail, now that it went, in the status e-mails of every incident it lists
    /// (<see cref="StatusEmailState.CountStorm"/>: once per incident and window, so a retry never counts it twice).
    /// </summary>
    public Task CountSentAsync(string window, IReadOnlyList<StormEmailItem> items, DateTimeOffset at,
        CancellationToken ct) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (item, token) => await states.UpdateAsync<StatusEmailState>(IncidentOf(item),
                s => s.CountStorm(window, at), token));

    /// <summary>How long a sent window's rows are kept.</summary>
    public static readonly TimeSpan Kept = TimeSpan.FromDays(1);

    public static DateTimeOffset MinuteOf(string window) =>
        DateTimeOffset.ParseExact(window[^12..], "yyyyMMddHHmm", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal);
}

internal enum StormDecision { Own, Storm, WaitForTeams }

/// <summary>
/// Sends a window's storm e-mail ("status-email.storm"): one message listing every incident listed in it, once.
/// </summary>
internal sealed class StormEmailHandler(
    StormEmails storms,
    IMailSender mail,
    IOptions<MailOptions> mailOptions,
    IntegrationSettings<StatusEmailOptions> settings,
    PeopleLinks links,
    TimeProvider time,
    ILogger<StormEmailHandler> log) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        settings.ThrowIfNotReady();
        var window = StormEmailPayload.Parse(context.Action.Payload).Window;
        var (head, items) = await storms.ReadAsync(window, ct);
        if (head is null) return OutboxOutcome.Done("skipped: the storm e-mail window is gone");
        if (head.SentAt is { } sent)
        {
            // A retry after the send: count it in the listed incidents' e-mails, if that was cut short (never twice).
            await storms.CountSentAsync(window, items, sent, ct);
            return OutboxOutcome.Done($"skipped: the storm e-mail went at {StatusEmailRenderer.Time(sent)}");
        }
        await storms.RefreshAsync(items, ct);
        var recipients = head.Recipients.Split(';', StringSplitOptions.RemoveEmptyEntries);
        var (subject, html, text) = Render(StormEmails.MinuteOf(window), items);
        var messageId = await mail.SendAsync(MailMessage.Create(mailOptions.Value.SenderMailbox, recipients, subject,
            html, text), ct);
        // sent: never again, whatever happens to the caller
        var sentAt = time.GetUtcNow();
        await storms.MarkSentAsync(head, sentAt, CancellationToken.None);
        // Now each listed incident's status e-mail has gone: counted in its summary (a retry counts what this missed).
        await storms.CountSentAsync(window, items, sentAt, ct);
        log.LogInformation("Storm e-mail of {Window} listing {Count} incidents sent to {Recipients}", window,
            items.Count, head.Recipients);
        return new OutboxOutcome(
            Result: $"Storm e-mail listing {items.Count} incident(s) sent to " +
                $"{string.Join(", ", recipients)}{(messageId is null ? "" : $" ({messageId})")}",
            TimelineText: $"Storm e-mail sent to {recipients.Length} manager(s), listing {items.Count} incident(s): {subject}",
            TimelineKind: TimelineKinds.StatusEmail);
    }

    public (string Subject, string Html, string Text) Render(DateTimeOffset minute, IReadOnlyList<StormEmailItem> items)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var ordered = items.OrderBy(i => i.SeverityName, StringComparer.Ordinal)
            .ThenBy(i => i.RowKey, StringComparer.Ordinal).ToList();
        var subject = $"[Storm] {items.Count} incident{(items.Count == 1 ? "" : "s")} at {minute:HH:mm} UTC — one e-mail for all";
        var html = new StringBuilder("<!DOCTYPE html><html>" +
            "<body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\">");
        var text = new StringBuilder();
        var intro = $"A storm: {items.Count} incident(s) with status e-mails due at {minute:HH:mm} UTC, listed here " +
            $"instead of an e-mail each " +
                    "(as in the Teams storm digest). Sev0/Sev1 get their own; so does an incident once acknowledged or escalated.";
        html.Append(CultureInfo.InvariantCulture, $"<h2>{E(subject)}</h2><p>{E(intro)}</p><ul>");
        text.AppendLine(subject).AppendLine().AppendLine(intro).AppendLine();
        foreach (var item in ordered)
        {
            var id = StormEmails.IncidentOf(item);
            var what = item.KindName switch { nameof(StatusEmailKind.Opened) => "opened", nameof(StatusEmailKind.Final) => "resolved", _ => "status update" };
            var about = $"{item.Title}{(item.Service is { Length: > 0 } s ? $" · {s}" : "")} — {what} " +
                $"({item.StatusName})";
            html.Append(CultureInfo.InvariantCulture,
                $"<li>[{E(item.SeverityName)}] <a href=\"{E(links.IncidentPage(id))}\">{E(id)}</a> {E(about)}</li>");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  - [{item.SeverityName}] {id} {about} {links.IncidentPage(id)}");
        }
        html.Append("</ul><p style=\"color:#666\">Sent by AutoResponder. Each incident's page has its timeline and " +
            "status.</p></body></html>");
        return (subject, html.ToString(), text.ToString());
    }
}

/// <summary>A storm e-mail window: who owes its send, to whom (";"-separated), and when it went.</summary>
internal sealed class StormEmailHead : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Owner { get; set; } = "";
    public string Recipients { get; set; } = "";
    public DateTimeOffset? SentAt { get; set; }
}

/// <summary>One incident's status e-mail, listed in a storm e-mail.</summary>
internal sealed class StormEmailItem : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Title { get; set; } = "";
    public string SeverityName { get; set; } = "";
    public string? Service { get; set; }
    public string StatusName { get; set; } = "";
    public string KindName { get; set; } = "";
    public DateTimeOffset At { get; set; }
    /// <summary>The status e-mail action that listed it (its retry finds the listing).</summary>
    public string? ActionId { get; set; }
}
