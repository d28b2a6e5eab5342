namespace AutoResponder.Storage;

/// <summary>
/// Creates the tables, queues and containers a feature needs. Every registered initializer runs when a
/// host starts (idempotent). Register with <c>services.AddSingleton&lt;IStorageInitializer, MyInit&gt;()</c>.
/// </summary>
public interface IStorageInitializer
{
    Task EnsureCreatedAsync(CancellationToken cancellationToken);
}

/// <summary>Runs every <see cref="IStorageInitializer"/>.</summary>
public sealed class StorageSetup(IEnumerable<IStorageInitializer> initializers)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var initializer in initializers) await initializer.EnsureCreatedAsync(cancellationToken);
    }
}
