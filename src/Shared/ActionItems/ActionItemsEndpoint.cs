using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Incidents.Actions;
using AutoResponder.Mail;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AutoResponder.ActionItems;

/// <summary>An action item as the API shows it.</summary>
internal sealed record ActionItemJson(string IncidentId, string ItemId, string Title, string Owner,
    DateTimeOffset DueAt, string? Link,
    string Status, string? Reason, bool Overdue, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ChangedAt,
    string? ChangedBy)
{
    public static ActionItemJson From(ActionItemRow r, DateTimeOffset now)
        => new(r.IncidentId, r.ItemId, r.Title, r.Owner, r.DueAt, r.Link,
        r.Status, r.Reason, r.Status == ActionItemKinds.Open && r.DueAt < now, r.CreatedAt, r.CreatedBy, r.ChangedAt,
        r.ChangedBy);
}

internal sealed record ActionItemPage(IReadOnlyList<ActionItemJson> Items, string? NextCursor);

/// <summary>POST …/action-items body (documented shape); bound here for the API and the console alike.</summary>
internal sealed record ActionItemRequest(string Title, string Owner, DateTimeOffset DueAt, string? Link = null)
{
    public static ActionItemRequest? Bind(RequestFields fields)
    {
        var title = fields.String("title", required: true, maxLength: 300);
        var owner = fields.String("owner", required: true, maxLength: 254);
        var dueAt = fields.DateTime("dueAt");
        var link = fields.String("link", required: false, maxLength: 2000);
        if (fields.Error is not null) return null;
        if (!MailOptions.LooksLikeAddress(owner))
            fields.Invalid("owner", "'owner' must be the owner's e-mail address (reminders are mailed to it).");
        else if (dueAt is null) fields.Missing("dueAt");
        else if (link is not null) link = fields.Url("link", required: false);
        return fields.Error is null ? new(title!, owner!, dueAt!.Value.ToUniversalTime(), link) : null;
    }
}

/// <summary>POST …/action-items/{item}/status body (documented shape): open, done, or dropped with a reason.</summary>
internal sealed record ActionItemStatusRequest(string Status, string? Reason = null)
{
    public static ActionItemStatusRequest? Bind(RequestFields fields)
    {
        var status = fields.String("status", required: true, maxLength: 20);
        var reason = fields.String("reason", required: false, maxLength: 1000);
        if (fields.Error is not null) return null;
        if (!ActionItemKinds.Statuses.Contains(status))
            fields.Invalid("status", $"'status' must be one of {string.Join(", ", ActionItemKinds.Statuses)}.");
        else if (status == ActionItemKinds.Dropped && reason is null)
            fields.Invalid("reason", "Dropping an action item needs a 'reason'.");
        return fields.Error is null ? new(status!, reason) : null;
    }
}

/// <summary>POST /api/incidents/{id}/action-items, POST …/action-items/{item}/status, GET /api/action-items.</summary>
internal sealed class ActionItemsEndpoint(ActionItemService items, ActionItemStore store, IncidentActionRequest actions,
    TimeProvider time, ILogger<ActionItemsEndpoint> log)
{
    private const int MaxBodyBytes = 16 * 1024;
    public const int DefaultLimit = 50, MaxLimit = 200;

    public Task<ApiResult> AddAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: true, async (fields, actor, ifMatch) =>
        {
            if (ActionItemRequest.Bind(fields) is not { } body) return fields.Error!;
            var item = await items.AddAsync(id, body.Title, body.Owner, body.DueAt, body.Link, actor, ifMatch, ct);
            return new ApiResult(StatusCodes.Status201Created, ActionItemJson.From(item, time.GetUtcNow()));
        }, ct);

    public Task<ApiResult> StatusAsync(HttpRequest request, Caller caller, string id, string itemId,
        CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: true, async (fields, actor, ifMatch) =>
        {
            if (ActionItemStatusRequest.Bind(fields) is not { } body) return fields.Error!;
            try { return ApiResult.Ok(ActionItemJson.From(await items.SetStatusAsync(id, itemId, body.Status, body.Reason, actor, ifMatch, ct), time.GetUtcNow())); }
            catch (ActionItemNotFoundException e) { return Problems.Create(StatusCodes.Status404NotFound, "Action item not found", e.Message, "item"); }
        }, ct);

    /// <summary>
    /// Across incidents, from the owner index (no incident is read):
    /// ?owner=&amp;status=&amp;overdue=true&amp;limit=&amp;cursor=.
    /// </summary>
    public Task<ApiResult> ListAsync(HttpRequest request, CancellationToken ct) => StorageOutage.GuardAsync(async () =>
    {
        var q = request.Query;
        var owner = q["owner"].ToString().Trim();
        var status = q["status"].ToString().Trim();
        var overdueText = q["overdue"].ToString().Trim();
        if (status.Length > 0 && !ActionItemKinds.Statuses.Contains(status))
            return Problems.Invalid("status",
            $"'status' must be one of {string.Join(", ", ActionItemKinds.Statuses)}.");
        bool overdue = false;
        if (overdueText.Length > 0 && !bool.TryParse(overdueText, out overdue))
            return Problems.Invalid("overdue", "'overdue' must be true or false.");
        var limit = DefaultLimit;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit is < 1 or > MaxLimit))
            return Problems.Invalid("limit", $"'limit' must be 1 to {MaxLimit}.");
        if (owner.Length > 254) return Problems.Invalid("owner", "'owner' is too long.");

        var now = time.GetUtcNow();
        var filters = new List<string>
        {
            owner.Length > 0
                ? TableClient.CreateQueryFilter($"PartitionKey eq {ActionItemRow.OwnerPartition(owner)}")
                : TableClient.CreateQueryFilter($"PartitionKey ge {ActionItemRow.OwnerPrefix} and PartitionKey lt {ActionItemRow.OwnerPrefix.TrimEnd('|') + "}"}"),
        };
        if (overdue) filters.Add(TableClient.CreateQueryFilter($"Status eq {ActionItemKinds.Open} and DueAt lt {now}"));
        else if (status.Length > 0) filters.Add(TableClient.CreateQueryFilter($"Status eq {status}"));
        var cursor = q["cursor"].ToString();
        await foreach (var page in store.Table.QueryAsync<ActionItemRow>(string.Join(" and ", filters),
            maxPerPage: limit, cancellationToken: ct)
                           .AsPages(cursor.Length == 0 ? null : cursor, limit))
            return ApiResult.Ok(new ActionItemPage(page.Values.Select(r => ActionItemJson.From(r, now)).ToList(),
                page.ContinuationToken));
        return ApiResult.Ok(new ActionItemPage([], null));
    }, log);
}
