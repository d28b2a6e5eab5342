using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.OnCall;

internal static class OnCallServices
{
    /// <summary>On-call schedules, escalation policies and paging (docs/oncall.md).</summary>
    public static IServiceCollection AddOnCall(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OnCallOptions>().Bind(configuration.GetSection(OnCallOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OnCallOptions>, OnCallOptionsValidator>();
        services.AddSingleton<ISetupCheck>(sp => new SetupCheck(() =>
            OnCallSetup.Findings(sp.GetRequiredService<IOptions<OnCallOptions>>().Value,
                sp.GetRequiredService<IOptions<Graph.GraphOptions>>().Value)));
        services.AddSingleton<OnCallCatalog>();
        services.AddSingleton<IStorageInitializer, OnCallStorage>();
        services.AddSingleton<OnCallEndpoint>();
        services.AddSingleton<ResponderService>();
        services.AddSingleton<RespondersEndpoint>();
        services.AddSingleton<IIncidentEffect, EscalationEffect>();
        services.AddOutbox(OnCallOutbox.All);
        // The channels a page goes out on, in this order; SMS or voice is one more IPageNotifier.
        services.AddSingleton<IPageNotifier, TeamsChatNotifier>();
        services.AddSingleton<IPageNotifier, EmailPageNotifier>();
        services.AddSingleton<IPageNotifier, TeamsThreadNotifier>();
        return services;
    }

    private sealed class OnCallStorage(OnCallCatalog catalog) : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
            => await catalog.Table.CreateIfNotExistsAsync(cancellationToken);
    }
}
