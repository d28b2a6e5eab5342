using System.Globalization;
using AutoResponder.Impact.Orders;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CsvHelper;

namespace AutoResponder.Impact;

/// <summary>
/// What to export: the rules that apply to the incident (most specific first: the first that selects an order claims
/// it), its window, and the instant "stuck" is measured at.
/// </summary>
public sealed record ExportRequest(IReadOnlyList<ImpactRule> Rules, ImpactWindow Window, DateTimeOffset AsOf);

/// <summary>
/// Streams the affected orders of an impact window into a CSV block blob: order source → rules → CsvHelper →
/// staged blocks, committed only when the last row is written. One pass, bounded memory whatever the row count.
/// While writing it merges against the previous export (both in created-at order) to count the orders that are new.
/// </summary>
public sealed class ImpactExporter(IOrderSource orders)
{
    public static readonly string[] Columns =
    [
        "order_id", "line_id", "created_at", "customer_id", "customer_email", "sku", "quantity", "unit_price_paid",
        "currency",
        "order_total", "status", "status_since", "channel", "region", "payment_method", "catalog_unit_price",
        "unit_price_delta",
        "money_at_risk", "rule",
    ];

    /// <summary>
    /// RFC 4180, UTF-8 with a byte-order mark (so Excel reads it as UTF-8), invariant numbers, and CsvHelper's
    /// formula-injection escape: a text cell starting with = + - @ tab or CR gets a leading apostrophe; numbers
    /// and dates are written as values ("-1.50" stays a number).
    /// </summary>
    public static readonly CsvWriterOptions WriterOptions = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = true,
        FormatProvider = CultureInfo.InvariantCulture,
        BufferSize = 256 * 1024,
    };

    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public async Task<ExportResult> ExportAsync(ExportRequest request, BlockBlobClient target, BlobClient? previous,
        CancellationToken ct)
    {
        var catalog = await orders.ReadCatalogAsync(ct);
        var query = new OrderQuery(request.Window.From, request.Window.To);
        if (request.Rules.Count == 1) query = request.Rules[0].Narrow(query);

        await using var previousKeys = previous is null ? null : await PreviousExport.OpenAsync(previous, ct);
        var upload = new StagedBlockBlobStream(target);
        await using (upload)
        {
            await using var csv = CsvWriter.Create(upload, WriterOptions, leaveOpen: true);
            foreach (var column in Columns) csv.WriteField(column);
            await csv.EndRecordAsync(ct);

            long rows = 0, newRows = 0;
            var customers = new DistinctCounter();
            var money = new Dictionary<string, decimal>(StringComparer.Ordinal);
            var byRule = new Dictionary<string, long>(StringComparer.Ordinal);
            var moneyByRule = new Dictionary<string, Dictionary<string, decimal>>(StringComparer.Ordinal);
            DateTimeOffset? first = null, last = null;

            await foreach (var order in orders.ReadOrdersAsync(query, ct))
            {
                if (order.CreatedAt < request.Window.From || order.CreatedAt > request.Window.To) continue;
                ImpactRule? matched = null;
                RuleVerdict verdict = default;
                foreach (var rule in request.Rules)
                    if (rule.Evaluate(order, catalog, request.AsOf) is { } v) { matched = rule; verdict = v; break; }
                if (matched is null) continue;

                WriteRow(csv, order, verdict, matched.Name);
                await csv.EndRecordAsync(ct);

                rows++;
                customers.Add(order.CustomerId);
                money[order.Currency] = money.GetValueOrDefault(order.Currency) + verdict.MoneyAtRisk;
                byRule[matched.Name] = byRule.GetValueOrDefault(matched.Name) + 1;
                if (!moneyByRule.TryGetValue(matched.Name, out var ruleMoney))
                    moneyByRule[matched.Name] = ruleMoney = new(StringComparer.Ordinal);
                ruleMoney[order.Currency] = ruleMoney.GetValueOrDefault(order.Currency) + verdict.MoneyAtRisk;
                first ??= order.CreatedAt;
                last = order.CreatedAt;
                if (previousKeys is null
                    || !await previousKeys.ContainsAsync(new OrderKey(order.CreatedAt.UtcTicks, order.OrderId,
                    order.LineId), ct)) newRows++;
            }

            await csv.FlushAsync(ct);
            if (previousKeys is not null) await previousKeys.DrainAsync();
            var size = await upload.CompleteAsync(new BlobHttpHeaders
            {
                ContentType = "text/csv; charset=utf-8",
                ContentDisposition = $"attachment; filename=\"{Path.GetFileName(target.Name)}\"",
            }, ct);
            var common = rows - newRows;
            var gone = previousKeys is null ? 0 : previousKeys.Rows - common;
            var summary = new ImpactSummary(rows, customers.Count, customers.Approximate, money, byRule, first, last)
            {
                MoneyByRule = moneyByRule.ToDictionary(r => r.Key, r => (IReadOnlyDictionary<string, decimal>)r.Value,
                    StringComparer.Ordinal),
            };
            return new ExportResult(summary, size, newRows, Math.Max(0, gone));
        }
    }

    private static void WriteRow(CsvWriter csv, Order o, RuleVerdict v, string rule)
    {
        csv.WriteField(o.OrderId);
        csv.WriteField(o.LineId);
        csv.WriteField(o.CreatedAt.UtcDateTime, TimeFormat);
        csv.WriteField(o.CustomerId);
        csv.WriteField(o.CustomerEmail);
        csv.WriteField(o.Sku);
        csv.WriteField(o.Quantity, "");
        csv.WriteField(o.UnitPrice, "");
        csv.WriteField(o.Currency);
        csv.WriteField(o.Total, "");
        csv.WriteField(o.Status);
        if (o.StatusSince is { } since) csv.WriteField(since.UtcDateTime, TimeFormat); else csv.WriteField("");
        csv.WriteField(o.Channel);
        csv.WriteField(o.Region);
        csv.WriteField(o.PaymentMethod);
        csv.WriteField(v.CatalogPrice, "");
        csv.WriteField(v.PriceDelta, "");
        csv.WriteField(v.MoneyAtRisk, "");
        csv.WriteField(rule);
    }
}

/// <summary>An export row's identity: created-at ticks, order id and line id.</summary>
internal readonly record struct OrderKey(long Ticks, string OrderId, string LineId);

/// <summary>
/// Reads the previous export's keys in step with the current one (both sorted by created-at), so "is this order
/// new?" is a merge, not a set of every previous order in memory. Only the rows of one instant are held at a time:
/// within an instant the order of ids is left to the source (a Table RowKey "{ticks}|{id}|{line}" does not sort
/// like the id and line apart), so rows that share a timestamp are matched as a set.
/// </summary>
internal sealed class PreviousExport : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly CsvReader _csv;
    private readonly HashSet<(string OrderId, string LineId)> _instant = [];
    private long _instantTicks = long.MinValue;
    private OrderKey? _next;
    private bool _done;

    private PreviousExport(Stream stream)
    {
        _stream = stream;
        _csv = CsvReader.Create(stream, CsvReaderOptions.Default, leaveOpen: true);
    }

    public long Rows { get; private set; }

    public static async Task<PreviousExport> OpenAsync(BlobClient blob, CancellationToken ct)
    {
        var stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 1024 * 1024 }, ct);
        var reader = new PreviousExport(stream);
        await reader.AdvanceAsync();
        return reader;
    }

    public async Task<bool> ContainsAsync(OrderKey key, CancellationToken ct)
    {
        if (key.Ticks != _instantTicks)
        {
            _instant.Clear();
            _instantTicks = key.Ticks;
            while (_next is { } skipped && skipped.Ticks < key.Ticks) await AdvanceAsync();
            while (_next is { } same && same.Ticks == key.Ticks)
            {
                _instant.Add((same.OrderId, same.LineId));
                await AdvanceAsync();
            }
        }
        return _instant.Contains((key.OrderId, key.LineId));
    }

    private async Task AdvanceAsync()
    {
        if (_done || !await _csv.ReadAsync()) { _done = true; _next = null; return; }
        Rows++;
        var created = DateTime.ParseExact(_csv.GetString("created_at"), ImpactExporter.TimeFormat,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        _next = new OrderKey(created.Ticks, CsvCells.Restore(_csv.GetString("order_id")),
            CsvCells.Restore(_csv.GetString("line_id")));
    }

    /// <summary>Reads to the end, so <see cref="Rows"/> counts every previous row.</summary>
    public async Task DrainAsync()
    {
        while (!_done) await AdvanceAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _csv.DisposeAsync();
        await _stream.DisposeAsync();
    }
}
