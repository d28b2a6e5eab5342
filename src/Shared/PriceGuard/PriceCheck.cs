using AutoResponder.Impact.Orders;

namespace AutoResponder.PriceGuard;

/// <summary>What is wrong with an order's price line.</summary>
public enum PriceAnomaly
{
    /// <summary>Paid unit price below catalog by more than the tolerance and any promotion allows.</summary>
    BelowCatalog,
    /// <summary>Quantity zero, negative or above MaxQuantity.</summary>
    Quantity,
    /// <summary>The SKU has no catalog price in the order's currency (or the currency is not an ISO code).</summary>
    Currency,
    /// <summary>The SKU is not in the catalog.</summary>
    UnknownSku,
}

/// <summary>One order line the guard flags.</summary>
public sealed record PriceFinding(Order Order, PriceAnomaly Anomaly, decimal? CatalogPrice, decimal Shortfall);

/// <summary>
/// Checks one order line against the catalog: price (with tolerance and configured promotions), quantity and
/// currency. Pure: no I/O, so the scheduled job, the watch and the tests share it.
/// </summary>
internal sealed class PriceCheck(PriceGuardOptions options)
{
    public PriceFinding? Check(Order order, IReadOnlyDictionary<string, CatalogItem> catalog)
    {
        if (order.Quantity <= 0 || order.Quantity > options.MaxQuantity)
            return new(order, PriceAnomaly.Quantity, null, 0m);
        if (!catalog.TryGetValue(order.Sku, out var item)) return new(order, PriceAnomaly.UnknownSku, null, 0m);
        if (order.Currency is not { Length: 3 } || !order.Currency.All(char.IsAsciiLetterUpper)
            || item.PriceIn(order.Currency) is not { } price)
            return new(order, PriceAnomaly.Currency, null, 0m);

        var allowed = price * (1 - AllowedDiscountPercent(order) / 100m);
        var tolerated = Math.Max(price * options.TolerancePercent / 100m, options.ToleranceAmount);
        if (order.UnitPrice >= allowed - tolerated) return null;
        return new(order, PriceAnomaly.BelowCatalog, price, (price - order.UnitPrice) * order.Quantity);
    }

    /// <summary>The largest discount a promotion covering the order allows (0 when none does).</summary>
    public decimal AllowedDiscountPercent(Order order)
    {
        var best = 0m;
        foreach (var p in options.Promotions)
        {
            if (p.From is { } from && order.CreatedAt < from) continue;
            if (p.To is { } to && order.CreatedAt > to) continue;
            if (p.Skus.Count > 0 && !p.Skus.Contains(order.Sku, StringComparer.Ordinal)) continue;
            if (p.Channels.Count > 0 && !p.Channels.Contains(order.Channel, StringComparer.OrdinalIgnoreCase)) continue;
            best = Math.Max(best, p.DiscountPercent);
        }
        return best;
    }
}
