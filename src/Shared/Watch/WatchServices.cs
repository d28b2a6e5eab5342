using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.Watch;

internal static class WatchServices
{
    /// <summary>
    /// Watch the fix (docs/playbook.md): impact rules keep running on new orders after mitigation and resolution.
    /// </summary>
    public static IServiceCollection AddWatch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WatchOptions>().Bind(configuration.GetSection(WatchOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WatchOptions>, WatchOptionsValidator>();
        services.AddSingleton<WatchStore>();
        services.AddSingleton<WatchService>();
        services.AddSingleton<WatchEndpoint>();
        services.AddSingleton<IIncidentEffect, WatchEffect>();
        services.AddOutbox(WatchOutbox.All);
        services.AddSingleton<WatchJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<WatchJob>());
        services.AddSingleton<IStorageInitializer, WatchStorage>();
        return services;
    }

    private sealed class WatchStorage(WatchStore store) : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
            => await store.Table.CreateIfNotExistsAsync(cancellationToken);
    }
}
