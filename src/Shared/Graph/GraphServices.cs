using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AutoResponder.Graph;

public static class GraphServices
{
    /// <summary>
    /// Registers the shared Graph client (<see cref="GraphClients"/>), its options, credentials, transport and the
    /// service-account sign-in store. Safe to call more than once (each feature that uses Graph may call it).
    /// </summary>
    public static IServiceCollection AddGraph(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(GraphClients))) return services;

        services.AddOptions<GraphOptions>().Bind(configuration.GetSection(GraphOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GraphOptions>, GraphOptionsValidator>();
        services.AddSingleton<IValidateOptions<GraphOptions>>(new GraphDeploymentValidator(configuration));
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
            var o = sp.GetRequiredService<IOptions<GraphOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            return o.EffectiveMode == GraphMode.Live
                ? new GraphTransport(() => null)
                : new GraphTransport(() => new FileOutboxHandler(o.OutboxFolder, time));
        });
        services.AddSingleton<GraphClients>();
        return services;
    }
}
