using AutoResponder.Impact.Orders;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

public static class ImpactServices
{
    /// <summary>
    /// Impact analysis and the operations export. The order source is <see cref="TableOrderSource"/> unless an
    /// <see cref="IOrderSource"/> is registered before this runs (or replaced after it).
    /// </summary>
    public static IServiceCollection AddImpact(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ImpactOptions>().Bind(configuration.GetSection(ImpactOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ImpactOptions>, ImpactOptionsValidator>();

        services.TryAddSingleton<IOrderSource>(sp =>
            CreateTableOrderSource(sp.GetRequiredService<StorageClients>(),
            sp.GetRequiredService<IOptions<ImpactOptions>>().Value));
        services.AddSingleton<ImpactExporter>();
        services.AddSingleton<ImpactSnapshotStore>();
        services.AddSingleton<ExportBlobs>();
        services.AddSingleton<ImpactSnapshotService>();
        services.AddSingleton<ImpactEndpoint>();
        services.TryAddSingleton<IExportBlobReader, StorageExportBlobReader>();
        services.AddOutbox(ImpactOutbox.All);
        services.AddSingleton<IIncidentEffect, ImpactEffect>();
        services.AddSingleton<IStorageInitializer, ImpactStorage>();
        return services;
    }

    /// <summary>
    /// The embedded order source: the AutoResponder account, or the one in AutoResponder:Impact:OrderStorage.
    /// </summary>
    public static TableOrderSource CreateTableOrderSource(StorageClients storage, ImpactOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OrderStorage))
            return new TableOrderSource(storage.Table(options.OrdersTable), storage.Table(options.CatalogTable));
        var clientOptions = new TableClientOptions();
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(500);
        clientOptions.Retry.Mode = RetryMode.Exponential;
        TableServiceClient service;
        try { service = new TableServiceClient(options.OrderStorage, clientOptions); }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidOperationException($"The setting '{ImpactOptions.Section}:OrderStorage' is not a valid " +
                $"storage connection string: {e.Message}", e);
        }
        return new TableOrderSource(service.GetTableClient(storage.Prefix + options.OrdersTable),
            service.GetTableClient(storage.Prefix + options.CatalogTable));
    }

    /// <summary>
    /// Creates the snapshot table and the private export container; and the Orders/Catalog tables when they live in our
    /// own account.
    /// </summary>
    private sealed class ImpactStorage(StorageClients storage, IOptions<ImpactOptions> options, IOrderSource orders)
        : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
        {
            await storage.Table(ImpactSnapshotStore.TableName).CreateIfNotExistsAsync(cancellationToken);
            await storage.Container(options.Value.ExportContainer)
                .CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
            if (orders is TableOrderSource table && string.IsNullOrWhiteSpace(options.Value.OrderStorage))
            {
                await table.Orders.CreateIfNotExistsAsync(cancellationToken);
                await table.Catalog.CreateIfNotExistsAsync(cancellationToken);
            }
        }
    }
}
