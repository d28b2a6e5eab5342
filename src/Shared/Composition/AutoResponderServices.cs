using AutoResponder.Access;
using AutoResponder.ActionItems;
using AutoResponder.Alerts;
using AutoResponder.Changes;
using AutoResponder.Graph;
using AutoResponder.Health;
using AutoResponder.Hosting;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Actions;
using AutoResponder.Incidents.Api;
using AutoResponder.Intake;
using AutoResponder.Links;
using AutoResponder.Mail;
using AutoResponder.OnCall;
using AutoResponder.Outbox;
using AutoResponder.PriceGuard;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Storage;
using AutoResponder.Switches;
using AutoResponder.Teams;
using AutoResponder.Watch;
using AutoResponder.WebConsole;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.Composition;

/// <summary>The one composition root. Both hosts (Azure Functions and `autoresponder serve`) call it.</summary>
public static class AutoResponderServices
{
    public static IServiceCollection AddAutoResponder(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AutoResponderOptions>().Bind(configuration.GetSection(AutoResponderOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AutoResponderOptions>, AutoResponderOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        // Storage is required (it holds the record); every optional integration reports what to fix instead of stopping
        // start-up.
        services.AddSetupFindings(configuration);
        services.AddSingleton(_ => StorageClients.FromConfiguration(configuration));
        services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<StorageClients>());
        services.AddSingleton<StorageSetup>();
        services.AddSingleton<PeopleLinks>();
        services.AddSingleton<AutoResponder.Health.HostFault>();
        services.AddHostedService<StorageInitializer>();

        // Alerts and incidents
        services.AddSingleton<AlertPayloadParser>();
        services.AddSingleton<IncidentIds>();
        services.AddSingleton<IncidentIndex>();
        services.AddSingleton<ConflictRetry>();
        services.AddSingleton<IncidentStates>();
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<IncidentWrites>();
        services.AddSingleton<IncidentCommits>();
        services.AddSingleton<IncidentLocks>();
        services.AddSingleton<IncidentCache>();
        services.AddSingleton<AlertCommitter>();
        services.AddSingleton<AlertIngestor>();
        services.AddSingleton<IncidentService>();

        // Outbox
        services.TryAddSingleton<IOutboxSignal, QueueOutboxSignal>();
        services.AddSingleton<OutboxLanes>();
        services.AddSingleton<IOwedActionsSignal, OwedActionsSignal>();
        services.AddSingleton<OutboxHandlers>();
        services.AddSingleton<OutboxNudges>();
        services.AddSingleton<OutboxRunner>();
        services.AddSingleton<OutboxSweeper>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<OutboxSweeper>());

        // HTTP API: who may call what (ingest key, personal access tokens, Entra ID; roles per route)
        services.AddAccess(configuration);
        services.AddSingleton<IncidentActionRequest>();
        services.AddSingleton<AlertsEndpoint>();
        services.AddSingleton<IncidentsEndpoint>();
        services.AddIncidentApi();

        services.AddOutboxRetry();
        services.AddHealth(configuration);
        services.AddGraph(configuration).AddTeams(configuration);
        services.AddMail(configuration);
        // Effects plan in registration order, and an incident's actions run in the order they were owed:
        // at resolution the impact snapshot comes before the final status email that reports it.
        services.AddImpact(configuration);
        services.AddStatusEmails(configuration);
        services.AddReminders(configuration);
        services.AddPriceGuard(configuration);
        services.AddSwitches(configuration);
        services.AddWatch(configuration);
        services.AddChanges(configuration);
        services.AddActionItems();
        services.AddOnCall(configuration);
        services.AddConsole(configuration);
        return services;
    }

    private sealed class StorageInitializer(StorageSetup setup) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => setup.EnsureCreatedAsync(cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
