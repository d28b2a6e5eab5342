using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Impact.Orders;

/// <summary>
/// The embedded order source: the Orders table (one partition per hour) and the Catalog table. A window reads
/// its hours one after another, each with a RowKey range on the edge hours and the rule filters pushed down.
/// A background reader fetches the next pages while the caller is still working on the current one
/// (a few pages of read-ahead, bounded), so the export overlaps network and CSV work without buffering the result.
/// </summary>
public sealed class TableOrderSource(TableClient orders, TableClient catalog) : IOrderSource
{
    private const int PageSize = 1000;
    private const int ReadAheadPages = 4;

    public TableClient Orders => orders;
    public TableClient Catalog => catalog;

    /// <summary>The hourly partitions a window touches, oldest first.</summary>
    public static IEnumerable<string> Buckets(DateTimeOffset from, DateTimeOffset to)
    {
        var hour = new DateTimeOffset(from.UtcDateTime.Year, from.UtcDateTime.Month, from.UtcDateTime.Day,
            from.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        for (; hour <= to; hour = hour.AddHours(1)) yield return OrderEntity.Bucket(hour);
    }

    /// <summary>The query filter for one hour of the window (exposed for the benchmark's raw read).</summary>
    public static string Filter(string bucket, OrderQuery query)
    {
        var parts = new List<string>
        {
            TableClient.CreateQueryFilter($"PartitionKey eq {bucket}"),
            TableClient.CreateQueryFilter($"RowKey ge {Keys.Ticks(query.From)}"),
            TableClient.CreateQueryFilter($"RowKey lt {(query.To.UtcTicks + 1).ToString("D19")}"),
        };
        AddAny(parts, nameof(OrderEntity.Channel), query.Channels);
        AddAny(parts, nameof(OrderEntity.Region), query.Regions);
        AddAny(parts, nameof(OrderEntity.Sku), query.Skus);
        AddAny(parts, nameof(OrderEntity.Status), query.Statuses);
        AddAny(parts, nameof(OrderEntity.PaymentMethod), query.PaymentMethods);
        return string.Join(" and ", parts);
    }

    private static void AddAny(List<string> parts, string property, IReadOnlyCollection<string> values)
    {
        if (values.Count == 0) return;
        parts.Add("(" + string.Join(" or ", values.Select(v => $"{property} eq {Quote(v)}")) + ")");
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''") + "'";

    public async IAsyncEnumerable<Order> ReadOrdersAsync(OrderQuery query,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pages = Channel.CreateBounded<IReadOnlyList<OrderEntity>>(new BoundedChannelOptions(ReadAheadPages) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(async () =>
        {
            try
            {
                foreach (var bucket in Buckets(query.From, query.To))
                    await foreach (var page in orders.QueryAsync<OrderEntity>(Filter(bucket, query), PageSize,
                        cancellationToken: stop.Token).AsPages().WithCancellation(stop.Token))
                        if (page.Values.Count > 0) await pages.Writer.WriteAsync(page.Values, stop.Token);
                pages.Writer.Complete();
            }
            catch (Exception e)
            {
                pages.Writer.Complete(Translate(e, "read orders"));
            }
        }, stop.Token);

        try
        {
            while (await pages.Reader.WaitToReadAsync(cancellationToken))
                while (pages.Reader.TryRead(out var page))
                    foreach (var row in page) yield return row.ToOrder();
        }
        finally
        {
            stop.Cancel();
            try { await reader; } catch (OperationCanceledException) { }
        }
    }

    public async Task<IReadOnlyDictionary<string, CatalogItem>> ReadCatalogAsync(CancellationToken cancellationToken)
    {
        try
        {
            var items = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
            await foreach (var row in catalog.QueryAsync<TableEntity>(e => e.PartitionKey == CatalogEntity.Partition,
                cancellationToken: cancellationToken))
                items[row.RowKey] = CatalogEntity.ToItem(row);
            return items;
        }
        catch (Exception e) when (Translate(e, "read the catalog") is OrderSourceUnavailableException unavailable)
        {
            throw unavailable;
        }
    }

    public async Task CheckAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in catalog.QueryAsync<TableEntity>(maxPerPage: 1, select: ["RowKey"],
                cancellationToken: cancellationToken).AsPages(pageSizeHint: 1))
                break;
        }
        catch (Exception e) when (Translate(e, "reach the order store") is OrderSourceUnavailableException unavailable)
        {
            throw unavailable;
        }
    }

    private Exception Translate(Exception e, string what) => e switch
    {
        OperationCanceledException => e,
        RequestFailedException { Status: 404 } => new OrderSourceUnavailableException(
            $"Could not {what}: the table '{orders.Name}' or '{catalog.Name}' does not exist in {orders.AccountName}.",
            e),
        RequestFailedException r
            => new OrderSourceUnavailableException($"Could not {what} at " +
                $"{orders.Uri.GetLeftPart(UriPartial.Authority)}: {r.Status} {r.ErrorCode} {FirstLine(r.Message)}", e),
        AggregateException or HttpRequestException or IOException or TimeoutException =>
            new OrderSourceUnavailableException($"Could not {what} at " +
                $"{orders.Uri.GetLeftPart(UriPartial.Authority)}: {FirstLine(e.Message)}", e),
        _ => e,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
