namespace AutoResponder.Impact.Orders;

/// <summary>
/// One order as the impact analysis and the operations export see it. One SKU per row: a store whose
/// orders have several lines returns one <see cref="Order"/> per line (same <see cref="OrderId"/>, distinct
/// <see cref="LineId"/>).
/// </summary>
public sealed record Order
{
    public required string OrderId { get; init; }
    /// <summary>Distinguishes lines of one order; empty for single-line orders.</summary>
    public string LineId { get; init; } = "";
    public required DateTimeOffset CreatedAt { get; init; }
    public required string CustomerId { get; init; }
    public string CustomerEmail { get; init; } = "";
    public required string Sku { get; init; }
    public int Quantity { get; init; } = 1;
    public decimal UnitPrice { get; init; }
    /// <summary>ISO 4217 code, upper case.</summary>
    public required string Currency { get; init; }
    public decimal Total { get; init; }
    public string Status { get; init; } = "";
    /// <summary>When the order entered <see cref="Status"/> (for the stuck-in-status rule). Null = unknown.</summary>
    public DateTimeOffset? StatusSince { get; init; }
    public string Channel { get; init; } = "";
    public string Region { get; init; } = "";
    public string PaymentMethod { get; init; } = "";
}

/// <summary>A catalog entry: the current unit price of a SKU in each currency it is sold in.</summary>
public sealed record CatalogItem(string Sku, string Name, IReadOnlyDictionary<string, decimal> Prices)
{
    public decimal? PriceIn(string currency) => Prices.TryGetValue(currency, out var price) ? price : null;
}

/// <summary>
/// Which orders to read: created from <see cref="From"/> to <see cref="To"/> (both inclusive). The filters are
/// hints a source may push down to its store (empty = any); the caller checks every order against its rules again.
/// </summary>
public sealed record OrderQuery(DateTimeOffset From, DateTimeOffset To)
{
    public IReadOnlyCollection<string> Channels { get; init; } = [];
    public IReadOnlyCollection<string> Regions { get; init; } = [];
    public IReadOnlyCollection<string> Skus { get; init; } = [];
    public IReadOnlyCollection<string> Statuses { get; init; } = [];
    public IReadOnlyCollection<string> PaymentMethods { get; init; } = [];
}

/// <summary>
/// The order store cannot be reached (network, authentication, throttling beyond retries). The API answers 503.
/// </summary>
internal sealed class OrderSourceUnavailableException(string message, Exception? inner = null)
    : Exception(message, inner);
