using AutoResponder.Incidents;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Storage;

namespace AutoResponder.ActionItems;

internal sealed class ActionItemNotFoundException(string itemId) : Exception($"No action item '{itemId}'.");

/// <summary>
/// Action items from an incident's review: added with an owner and a due date, closed as done or dropped (with a
/// reason). Every change is on the incident's timeline. The owner is reminded the working day before and on the due
/// date, and an open item past its due date is escalated to the incident's managers, once; reminders stop when the item
/// is done or dropped.
/// </summary>
public sealed class ActionItemService(ActionItemStore store, IncidentStore incidents, IncidentService changes,
    ConflictRetry retry, BusinessCalendar calendar, TimeProvider time)
{
    public async Task<ActionItemRow> AddAsync(string incidentId, string title, string owner, DateTimeOffset dueAt,
        string? link, string actor, IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        await CheckAsync(incidentId, ifMatch, ct);
        var now = time.GetUtcNow();
        var item = new ActionItemRow
        {
            PartitionKey = incidentId,
            RowKey = "AI" + Keys.Unique().ToUpperInvariant(),
            IncidentId = incidentId,
            Title = title,
            Owner = owner.Trim(),
            DueAt = dueAt,
            Link = link,
            Status = ActionItemKinds.Open,
            CreatedAt = now,
            CreatedBy = actor,
        };
        item.ItemId = item.RowKey;
        // the index first: an orphan copy is harmless, a missing one would hide the item
        await store.UpsertIndexAsync(item, ct);
        await store.Table.AddEntityAsync(item, ct);
        var (stage, at) = FirstReminder(item, now);
        await store.ScheduleAsync(item, stage, at, ct);
        await changes.ChangeAsync(incidentId, ifMatch, (c, entryAt) => c.Add(entryAt, ActionItemKinds.Added, actor,
            $"Action item {item.ItemId} added: {title} — owner {item.Owner}, due " +
            $"{StatusEmailRenderer.Time(dueAt)}{(link is null ? "" : $" ({link})")}."), ct);
        return item;
    }

    public async Task<ActionItemRow> SetStatusAsync(string incidentId, string itemId, string status, string? reason,
        string actor, IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        await CheckAsync(incidentId, ifMatch, ct);
        for (var attempt = 1; ; attempt++)
        {
            var item = await store.GetAsync(incidentId, itemId, ct) ?? throw new ActionItemNotFoundException(itemId);
            if (item.Status == status && item.Reason == reason) return item;
            (item.Status, item.Reason, item.ChangedAt, item.ChangedBy) = (status, reason, time.GetUtcNow(), actor);
            try { await store.Table.UpdateEntityAsync(item, item.ETag, Azure.Data.Tables.TableUpdateMode.Replace, ct); }
            catch (Azure.RequestFailedException e) when (e.Status == 412)
            {
                await retry.LostRaceAsync(incidentId, attempt, ct); // then busy: 503 with Retry-After, never a 500
                continue;
            }
            await store.UpsertIndexAsync(item, ct);
            if (status == ActionItemKinds.Open)
            {
                var (stage, at) = FirstReminder(item, time.GetUtcNow());
                await store.ScheduleAsync(item, stage, at, ct);
            }
            await changes.ChangeAsync(incidentId, ifMatch, (c, at) => c.Add(at, ActionItemKinds.StatusChanged, actor,
                $"Action item {itemId} ({item.Title}) {status}{(reason is null ? "" : $": {reason}")}."), ct);
            return item;
        }
    }

    /// <summary>
    /// The incident exists and the caller's If-Match holds, before the item's rows are written: a stale page stores
    /// nothing (the timeline entry checks it again when it is written).
    /// </summary>
    private async Task CheckAsync(string incidentId, IncidentPrecondition? ifMatch, CancellationToken ct)
    {
        var incident = await incidents.FindAsync(incidentId, ct) ?? throw new IncidentNotFoundException(incidentId);
        ifMatch?.Check(incident);
    }

    /// <summary>The first reminder still ahead (or due now) for an open item.</summary>
    public (string Stage, DateTimeOffset At) FirstReminder(ActionItemRow item, DateTimeOffset now)
    {
        var dueDay = DueDayReminder(item.DueAt);
        if (now < dueDay) return (ActionItemKinds.Before, Max(calendar.PreviousBusinessDayStart(item.DueAt), now));
        if (now < item.DueAt) return (ActionItemKinds.OnDueDate, Max(dueDay, now));
        return (ActionItemKinds.Overdue, now);
    }

    /// <summary>After <paramref name="stage"/> fired: the next reminder, or none after the escalation.</summary>
    public (string Stage, DateTimeOffset At)? NextReminder(ActionItemRow item, string stage) => stage switch
    {
        ActionItemKinds.Before => (ActionItemKinds.OnDueDate, DueDayReminder(item.DueAt)),
        ActionItemKinds.OnDueDate => (ActionItemKinds.Overdue, item.DueAt),
        _ => null,
    };

    /// <summary>
    /// Sends what is due: each due reminder of an open item is owed as an outbox action on its incident; done or
    /// dropped items' reminders are removed.
    /// </summary>
    public async Task<int> RemindAsync(CancellationToken ct)
    {
        var owed = 0;
        foreach (var reminder in await store.DueRemindersAsync(time.GetUtcNow(), 200, ct))
        {
            var item = await store.GetAsync(reminder.IncidentId, reminder.ItemId, ct);
            if (item is { Status: ActionItemKinds.Open })
            {
                var (kind, payload) = ActionItemOutbox.Remind.Owe(new ActionItemReminderPayload(item.ItemId,
                    reminder.Stage!));
                await changes.ChangeAsync(item.IncidentId,
                    (c, at) => c.Actions.Add(OutboxAction.Create(item.IncidentId, kind, payload, at)), ct);
                owed++;
                if (NextReminder(item, reminder.Stage!) is { } next)
                    await store.ScheduleAsync(item, next.Stage, next.At, ct);
            }
            await store.DeleteAsync(reminder, ct);
        }
        return owed;
    }

    private DateTimeOffset DueDayReminder(DateTimeOffset dueAt) => Min(calendar.DayStart(dueAt), dueAt);
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}

internal sealed record ActionItemReminderPayload(string ItemId, string Stage);
