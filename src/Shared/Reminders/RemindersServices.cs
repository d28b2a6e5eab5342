using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>
/// The Service Bus connection, spelled as the Functions host and our infra spell it: "ServiceBus" as a
/// connection string (local use), or identity-based "ServiceBus__fullyQualifiedNamespace" with
/// "ServiceBus__credential=managedidentity" and "ServiceBus__clientId".
/// </summary>
internal static class ServiceBusSettings
{
    public const string Section = "ServiceBus";

    public static bool IsConfigured(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        return !string.IsNullOrWhiteSpace(section.Value)
            || !string.IsNullOrWhiteSpace(section["fullyQualifiedNamespace"]);
    }

    public static ServiceBusClient CreateClient(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            try { return new ServiceBusClient(section.Value); }
            catch (Exception e) when (e is FormatException or ArgumentException)
            { throw new InvalidOperationException($"The setting '{Section}' is not a valid Service Bus connection string: {e.Message}", e); }
        }
        return new ServiceBusClient(section["fullyQualifiedNamespace"], StorageClients.CredentialFrom(section));
    }
}

/// <summary>
/// Runs the reminder pump every minute, at half past (standalone host; in Azure the PumpReminders timer function).
/// </summary>
public sealed class ReminderPumpJob(IReminderPump pump) : IScheduledJob
{
    public const string ScheduleSetting = "AutoResponder:Reminders:PumpSchedule";

    public string Name => "rca-reminder-pump";
    public JobSchedule Schedule { get; } = new(ScheduleSetting, "30 */1 * * * *"); // every minute, at second 30
    public Task RunAsync(CancellationToken cancellationToken) => pump.PumpAsync(cancellationToken);
}

internal static class RemindersServices
{
    public static IServiceCollection AddReminders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReminderOptions>().Bind(configuration.GetSection(ReminderOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReminderOptions>, ReminderOptionsValidator>();
        services.AddSingleton<BusinessCalendar>();
        services.AddSingleton<PostmortemDraftBlobs>();
        services.AddSingleton<ReminderDelivery>();
        services.TryAddSingleton<IReminderHandler>(sp => sp.GetRequiredService<ReminderDelivery>());
        services.AddSingleton<ReminderService>();
        services.AddSingleton<RemindersEndpoint>();

        services.AddSingleton<IIncidentEffect, ReminderEffect>();
        services.AddOutbox(ReminderOutbox.All);
        services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<PostmortemDraftHandler>());

        if (ServiceBusSettings.IsConfigured(configuration))
        {
            services.TryAddSingleton(_ => ServiceBusSettings.CreateClient(configuration));
            services.TryAddSingleton(sp => sp.GetRequiredService<ServiceBusClient>().CreateSender(QueueName(sp)));
            services.TryAddSingleton(sp => sp.GetRequiredService<ServiceBusClient>().CreateReceiver(QueueName(sp),
                new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock }));
            services.AddSingleton<IReminderScheduler, ServiceBusReminderScheduler>();
            services.AddSingleton<IReminderPump, ServiceBusReminderPump>();
        }
        else
        {
            services.AddSingleton<StorageQueueReminders>();
            services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<StorageQueueReminders>());
            services.AddSingleton<IReminderScheduler, StorageQueueReminderScheduler>();
            services.AddSingleton<IReminderPump, StorageQueueReminderPump>();
        }
        services.AddSingleton<IScheduledJob, ReminderPumpJob>();
        return services;
    }

    private static string QueueName(IServiceProvider sp)
        => sp.GetRequiredService<IOptions<ReminderOptions>>().Value.QueueName;
}
