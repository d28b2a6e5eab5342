using System.Globalization;
using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Impact.Orders;

/// <summary>
/// An order row in the embedded Orders table. PartitionKey = the hour it was created ("yyyyMMddHH", UTC), so an
/// impact window reads only its hours; RowKey = "{created ticks:D19}|{order id}[|{line id}]", so rows sort by time.
/// Money is stored as invariant decimal text (Table storage has no decimal type; double would round).
/// </summary>
public sealed class OrderEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string OrderId { get; set; } = "";
    public string? LineId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string CustomerId { get; set; } = "";
    public string? CustomerEmail { get; set; }
    public string Sku { get; set; } = "";
    public int Quantity { get; set; }
    public string UnitPrice { get; set; } = "0";
    public string Currency { get; set; } = "";
    public string Total { get; set; } = "0";
    public string? Status { get; set; }
    public DateTimeOffset? StatusSince { get; set; }
    public string? Channel { get; set; }
    public string? Region { get; set; }
    public string? PaymentMethod { get; set; }

    public static string Bucket(DateTimeOffset at)
        => at.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    public static OrderEntity From(Order o) => new()
    {
        PartitionKey = Bucket(o.CreatedAt),
        RowKey = o.LineId.Length == 0
            ? $"{Keys.Ticks(o.CreatedAt)}|{o.OrderId}" : $"{Keys.Ticks(o.CreatedAt)}|{o.OrderId}|{o.LineId}",
        OrderId = o.OrderId,
        LineId = o.LineId.Length == 0 ? null : o.LineId,
        CreatedAt = o.CreatedAt,
        CustomerId = o.CustomerId,
        CustomerEmail = o.CustomerEmail,
        Sku = o.Sku,
        Quantity = o.Quantity,
        UnitPrice = Money(o.UnitPrice),
        Currency = o.Currency,
        Total = Money(o.Total),
        Status = o.Status,
        StatusSince = o.StatusSince,
        Channel = o.Channel,
        Region = o.Region,
        PaymentMethod = o.PaymentMethod,
    };

    public Order ToOrder() => new()
    {
        OrderId = OrderId,
        LineId = LineId ?? "",
        CreatedAt = CreatedAt,
        CustomerId = CustomerId,
        CustomerEmail = CustomerEmail ?? "",
        Sku = Sku,
        Quantity = Quantity,
        UnitPrice = ParseMoney(UnitPrice, this, nameof(UnitPrice)),
        Currency = Currency,
        Total = ParseMoney(Total, this, nameof(Total)),
        Status = Status ?? "",
        StatusSince = StatusSince,
        Channel = Channel ?? "",
        Region = Region ?? "",
        PaymentMethod = PaymentMethod ?? "",
    };

    public static string Money(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Invariant decimal text ("19.99", "-0.5", "1e3"; no thousands separators, so "12,50" is not 1250). Anything else
    /// stops the read with an error naming the row: an unreadable price must not silently become 0 (which would look
    /// like tampering and put the whole order at risk).
    /// </summary>
    public static decimal ParseMoney(string? text, ITableEntity row, string property) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"{property} of row '{row.PartitionKey}/{row.RowKey}' is not invariant " +
                $"decimal text: '{text}'.");
}

/// <summary>
/// A catalog row: PartitionKey "catalog", RowKey = SKU, a Name and one "Price{CUR}" text column per currency (e.g.
/// PriceEUR = "19.99").
/// </summary>
internal static class CatalogEntity
{
    public const string Partition = "catalog";
    public const string PricePrefix = "Price";

    public static TableEntity From(CatalogItem item)
    {
        var entity = new TableEntity(Partition, item.Sku) { ["Name"] = item.Name };
        foreach (var (currency, price) in item.Prices) entity[PricePrefix + currency] = OrderEntity.Money(price);
        return entity;
    }

    public static CatalogItem ToItem(TableEntity entity)
    {
        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (key, value) in entity)
            if (key.Length == PricePrefix.Length + 3 && key.StartsWith(PricePrefix, StringComparison.Ordinal)
                && value is string text)
                prices[key[PricePrefix.Length..]] = OrderEntity.ParseMoney(text, entity, key);
        return new CatalogItem(entity.RowKey, entity.GetString("Name") ?? "", prices);
    }
}
