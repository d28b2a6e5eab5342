using AutoResponder.Hosting;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AutoResponder.Graph;

internal static class GraphServices
{
    /// <summary>
    /// Registers the shared Graph client (<see cref="GraphClients"/>), its options, credentials, transport and the
    /// service-account sign-in store. Safe to call more than once (each feature that uses Graph may call it).
    /// </summary>
    public static IServiceCollection AddGraph(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(GraphClients))) return services;

        // Optional: a problem is a finding on /api/health and every Graph call waits; it never stops start-up.
        services.AddSetupFindings(configuration);
        services.AddOptions<GraphOptions>().Bind(configuration.GetSection(GraphOptions.Section));
        services.AddSingleton(sp =>
            new IntegrationSettings<GraphOptions>(GraphSetup.Area, GraphSetup.Effect,
            sp.GetRequiredService<IOptions<GraphOptions>>(),
        [
            o => new GraphOptionsValidator().Validate(null, o) is { Failed: true } r ? r.Failures ?? [] : [],
            o => GraphSetup.DeploymentProblems(configuration, o),
        ]));
        services.AddSingleton<ISetupCheck>(sp => sp.GetRequiredService<IntegrationSettings<GraphOptions>>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<GraphSignInStore>();
        services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<GraphSignInStore>());
        services.AddSingleton<TokenCacheProtector>();
        services.AddSingleton<BlobTokenCache>();
        services.AddSingleton<ServiceAccountCredential>();
        services.AddSingleton<GraphSignIn>();
        services.AddSingleton<IGraphCredentials, GraphCredentials>();
        services.TryAddSingleton<ISignInAlarm, NoSignInAlarm>(); // the mail feature replaces it
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IntegrationSettings<GraphOptions>>();
            var time = sp.GetRequiredService<TimeProvider>();
            // nothing written, nothing sent: it waits
            return !settings.Ready ? new GraphTransport(() => new NotConfiguredGraphHandler(settings))
                : settings.Value.EffectiveMode == GraphMode.Live ? new GraphTransport(() => null)
                : new GraphTransport(() => new FileOutboxHandler(settings.Value.OutboxFolder, time));
        });
        services.AddSingleton<GraphClients>();
        return services;
    }
}
