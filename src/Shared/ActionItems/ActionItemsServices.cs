using AutoResponder.Hosting;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.ActionItems;

internal static class ActionItemsServices
{
    /// <summary>
    /// Action items of an incident's review: owners, due dates, reminders and escalation until done or dropped.
    /// </summary>
    public static IServiceCollection AddActionItems(this IServiceCollection services)
    {
        services.AddSingleton<ActionItemStore>();
        services.AddSingleton<Incidents.IIncidentActionItems, ActionItemLines>();
        services.AddSingleton<ActionItemService>();
        services.AddSingleton<ActionItemsEndpoint>();
        services.AddOutbox(ActionItemOutbox.All);
        services.AddSingleton<ActionItemReminderJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<ActionItemReminderJob>());
        services.AddSingleton<IStorageInitializer, ActionItemsStorage>();
        return services;
    }

    private sealed class ActionItemLines(ActionItemStore store) : Incidents.IIncidentActionItems
    {
        public async Task<IReadOnlyList<Incidents.ActionItemLine>> ForAsync(string incidentId,
            CancellationToken cancellationToken) =>
            (await store.ForIncidentAsync(incidentId, cancellationToken))
                .Select(r => new Incidents.ActionItemLine(r.ItemId, r.Title, r.Owner, r.DueAt, r.Status, r.Reason,
                r.Link)).ToList();
    }

    private sealed class ActionItemsStorage(ActionItemStore store) : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
            => await store.Table.CreateIfNotExistsAsync(cancellationToken);
    }
}
