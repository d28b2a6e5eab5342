using Azure;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Storage;

/// <summary>
/// Creates the tables, queues and containers a feature needs. Every registered initializer runs when a
/// host starts (idempotent). Register with <c>services.AddSingleton&lt;IStorageInitializer, MyInit&gt;()</c>.
/// </summary>
public interface IStorageInitializer
{
    Task EnsureCreatedAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Runs every <see cref="IStorageInitializer"/>. In Azure the infrastructure creates the tables, queues and
/// containers once (infra/app/storage.bicep); a 403 here (role assignments still propagating after a first
/// deploy, or creation not allowed) is logged with what to check and start-up goes on, instead of a cold start
/// that dies.
/// </summary>
public sealed class StorageSetup(IEnumerable<IStorageInitializer> initializers, ILogger<StorageSetup>? log = null)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var initializer in initializers)
        {
            try
            {
                await initializer.EnsureCreatedAsync(cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 403)
            {
                log?.LogWarning(e,
                    "Storage refused to create what {Initializer} needs (403 {Code}). In Azure, " +
                    "infra/app/storage.bicep creates it; if this persists, " +
                    "check that the app's identity has the Storage Table/Queue/Blob Data Contributor roles (new " +
                    "assignments take a few minutes).",
                    initializer.GetType().Name, e.ErrorCode);
            }
        }
    }
}
