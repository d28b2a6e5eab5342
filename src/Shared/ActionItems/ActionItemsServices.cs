using AutoResponder.Hosting;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.ActionItems;

public static class ActionItemsServices
{
    /// <summary>Action items of an incident's review: owners, due dates, reminders and escalation until done or dropped.</summary>
    public static IServiceCollection AddActionItems(this IServiceCollection services)
    {
        services.AddSingleton<ActionItemStore>();
        services.AddSingleton<ActionItemService>();
        services.AddSingleton<ActionItemsEndpoint>();
        services.AddSingleton<IOutboxHandler, ActionItemReminderHandler>();
        services.AddSingleton<ActionItemReminderJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<ActionItemReminderJob>());
        services.AddSingleton<IStorageInitializer, ActionItemsStorage>();
        return services;
    }

    private sealed class ActionItemsStorage(ActionItemStore store) : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken) => await store.Table.CreateIfNotExistsAsync(cancellationToken);
    }
}
