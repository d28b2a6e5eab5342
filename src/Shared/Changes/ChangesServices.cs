using AutoResponder.Incidents;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.Changes;

internal static class ChangesServices
{
    /// <summary>Change intake (deploys, releases, pushes, pipeline runs) and the suspects of an incident.</summary>
    public static IServiceCollection AddChanges(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChangesOptions>().Bind(configuration.GetSection(ChangesOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChangesOptions>, ChangesOptionsValidator>();
        services.AddSingleton<ChangeMapping>();
        services.AddSingleton<ChangeParser>();
        services.AddSingleton<ChangeStore>();
        services.AddSingleton<SuspectChanges>();
        services.AddSingleton<IIncidentSuspects>(sp => sp.GetRequiredService<SuspectChanges>());
        services.AddSingleton<ChangesEndpoint>();
        services.AddSingleton<IStorageInitializer, ChangesStorage>();
        return services;
    }

    private sealed class ChangesStorage(ChangeStore store) : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
            => await store.Table.CreateIfNotExistsAsync(cancellationToken);
    }
}
