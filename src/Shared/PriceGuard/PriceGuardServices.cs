using AutoResponder.Hosting;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.PriceGuard;

internal static class PriceGuardServices
{
    /// <summary>
    /// The scheduled price guard (docs/playbook.md): checks new orders against the catalog and files findings as
    /// alerts.
    /// </summary>
    public static IServiceCollection AddPriceGuard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PriceGuardOptions>().Bind(configuration.GetSection(PriceGuardOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PriceGuardOptions>, PriceGuardOptionsValidator>();
        services.AddSingleton<PriceGuardCheckpointStore>();
        services.AddSingleton<PriceGuardJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<PriceGuardJob>());
        services.AddSingleton<IStorageInitializer, PriceGuardStorage>();
        return services;
    }

    private sealed class PriceGuardStorage(PriceGuardCheckpointStore store) : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
            => await store.Table.CreateIfNotExistsAsync(cancellationToken);
    }
}
