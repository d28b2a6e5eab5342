using System.Net;
using System.Text.Json;
using AutoResponder.Hosting;
using AutoResponder.Links;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using Microsoft.Extensions.Options;

namespace AutoResponder.ActionItems;

/// <summary>
/// <see cref="ActionItemOutbox.Remind"/>: mails the owner (and, when overdue, the incident's managers) unless the item
/// is done or dropped.
/// </summary>
internal sealed class ActionItemReminderHandler(ActionItemStore store, IMailSender mail,
    IOptions<MailOptions> mailOptions, PeopleLinks links) : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var payload = JsonSerializer.Deserialize<ActionItemReminderPayload>(context.Action.Payload,
            JsonSerializerOptions.Web)
            ?? throw new PermanentOutboxException($"The {ActionItemOutbox.Remind.Name} payload is empty.");
        var incident = context.Incident;
        var item = await store.GetAsync(incident.Id, payload.ItemId, ct);
        if (item is null) return OutboxOutcome.Done($"skipped: no action item {payload.ItemId}");
        if (item.Status != ActionItemKinds.Open)
            return OutboxOutcome.Done($"skipped: action item {item.ItemId} is {item.Status}");

        var overdue = payload.Stage == ActionItemKinds.Overdue;
        var to = new List<string> { item.Owner };
        if (overdue) to.AddRange(mailOptions.Value.ManagersFor(incident)
            .Where(m => !m.Equals(item.Owner, StringComparison.OrdinalIgnoreCase)));
        var due = StatusEmailRenderer.Time(item.DueAt);
        var subject = payload.Stage switch
        {
            ActionItemKinds.Before => $"Action item due {due}: {item.Title} ({incident.Id})",
            ActionItemKinds.OnDueDate => $"Action item due today ({due}): {item.Title} ({incident.Id})",
            _ => $"Overdue action item of {item.Owner}: {item.Title} ({incident.Id}, due {due})",
        };
        var page = links.IncidentPage(incident.Id, "action-items");
        var text = $"{subject}\n\nIncident: {incident.Id} — {incident.Title}\nOwner: {item.Owner}\nDue: {due}\n" +
                   (item.Link is null ? "" : $"Link: {item.Link}\n")
                       + (page is null ? "" : $"Incident page: {page}\n") +
                   $"\nMark it done or dropped on the incident page, or POST " +
                   $"/api/incidents/{incident.Id}/action-items/{item.ItemId}/status.";
        var html = "<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\">" +
                   string.Join("", text.Split('\n').Select(l => $"<p>{WebUtility.HtmlEncode(l)}</p>"))
                       + "</body></html>";
        var messageId = await mail.SendAsync(MailMessage.Create(mailOptions.Value.SenderMailbox, to, subject, html,
            text), ct);
        return new OutboxOutcome(
            Result: $"{payload.Stage} reminder for {item.ItemId} sent to " +
                $"{string.Join(", ", to)}{(messageId is null ? "" : $" ({messageId})")}",
            TimelineText: overdue
                ? $"Action item {item.ItemId} ({item.Title}) is overdue (due {due}): escalated to " +
                    $"{string.Join(", ", to)}."
                : $"Reminder sent to {item.Owner}: action item {item.ItemId} ({item.Title}) due {due}.",
            TimelineKind: overdue ? ActionItemKinds.Escalated : ActionItemKinds.Reminded);
    }
}

/// <summary>Every few minutes: owes the reminders that are due (<see cref="ActionItemService.RemindAsync"/>).</summary>
public sealed class ActionItemReminderJob(ActionItemService items) : IScheduledJob
{
    public const string ScheduleSetting = "AutoResponder:ActionItems:ReminderSchedule";

    public string Name => "action-item-reminders";
    public JobSchedule Schedule { get; } = new(ScheduleSetting, "0 */5 * * * *"); // every five minutes
    public Task RunAsync(CancellationToken cancellationToken) => items.RemindAsync(cancellationToken);
}
