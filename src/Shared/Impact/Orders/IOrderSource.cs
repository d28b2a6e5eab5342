namespace AutoResponder.Impact.Orders;

/// <summary>
/// The port to a company's order store. The embedded default is <see cref="TableOrderSource"/> (Azure Table
/// storage, partitioned by hour); register your own with <c>services.AddSingleton&lt;IOrderSource, MySource&gt;()</c>
/// after <c>AddAutoResponder</c> (see docs/impact.md).
/// </summary>
public interface IOrderSource
{
    /// <summary>
    /// Streams the orders created in the query's window (both ends inclusive), ordered by <see cref="Order.CreatedAt"/>
    /// ascending — the export's delta against the previous snapshot relies on that order. Rows that share an instant
    /// may come in any order, but always in the same one for the same data (the export lists them as they come).
    /// Must stream (millions of rows): never buffer the whole result.
    /// </summary>
    /// <exception cref="OrderSourceUnavailableException">The store cannot be reached.</exception>
    IAsyncEnumerable<Order> ReadOrdersAsync(OrderQuery query, CancellationToken cancellationToken);

    /// <summary>The current catalog prices, keyed by SKU (case-sensitive).</summary>
    /// <exception cref="OrderSourceUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyDictionary<string, CatalogItem>> ReadCatalogAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A cheap round trip that throws <see cref="OrderSourceUnavailableException"/> when the store cannot be reached.
    /// </summary>
    Task CheckAvailableAsync(CancellationToken cancellationToken);
}
