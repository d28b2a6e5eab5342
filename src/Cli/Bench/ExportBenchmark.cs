using System.Diagnostics;
using System.Globalization;
using AutoResponder.Cli.Seed;
using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Impact.Seeding;
using AutoResponder.Storage;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// `autoresponder bench export`: seeds N orders (or reuses them), reads the same partitions raw with the Table SDK,
/// then exports a window of the first <c>small</c> orders and the full window through the real exporter (Table source →
/// rules → CsvHelper → staged block blob), sampling memory during each. Prints orders/s, the ratio to the raw read,
/// and peak memory small vs full — flat memory is the proof that the export streams.
/// </summary>
internal static class ExportBenchmark
{
    public static readonly DateTimeOffset End = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(int orders, int small, double days, bool seed, string prefix,
        TextWriter output, CancellationToken ct)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        configuration[StorageClients.PrefixSetting] = prefix;
        var storage = StorageClients.FromConfiguration(configuration);
        var source = ImpactServices.CreateTableOrderSource(storage, new ImpactOptions());
        var spec = new OrderSeedSpec
        {
            Orders = orders,
            Days = days,
            End = End,
            Customers = Math.Max(1000, orders / 5),
            Parallelism = 16,
        };

        output.WriteLine($"export benchmark: {orders:N0} orders over {days} days in {source.Orders.Name}; small run " +
            $"{small:N0} orders; {Environment.ProcessorCount} cores");
        if (seed) await SeedCommands.SeedAsync(source, spec, output, ct);
        else output.WriteLine("Reusing the seeded orders (--seed false).");

        var container = storage.Container("benchexports");
        await container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: ct);
        var exporter = new ImpactExporter(source);
        var rule = new ImpactRule(new ImpactRuleOptions { Name = "all", Kind = ImpactRuleKind.AllOrders, MatchAll = true });
        var full = new ImpactWindow(spec.Start, spec.End, Open: false, Truncated: false);
        var smallWindow = full with { To = spec.Start + (spec.End - spec.Start) * ((double)small / orders) };

        // Warm up (JIT, connections) on a small slice.
        await exporter.ExportAsync(new ExportRequest([rule], full with { To = spec.Start.AddHours(1) }, End),
            container.GetBlockBlobClient("warmup.csv"), null, ct);

        var raw = await RawReadAsync(source.Orders, new OrderQuery(full.From, full.To), ct);
        output.WriteLine(Line($"raw Azurite read of the same partitions: {raw.Rows:N0} rows in {raw.Seconds:F1} s = {raw.Rows / raw.Seconds:N0} rows/s"));

        var smallRun = await ExportAsync(exporter, rule, smallWindow,
            container.GetBlockBlobClient($"small-{Guid.NewGuid():N}.csv"), ct);
        output.WriteLine(Line($"export {smallRun.Rows:N0} orders: {smallRun.Seconds:F1} s = {smallRun.Rows / smallRun.Seconds:N0} orders/s, {smallRun.Bytes / 1048576.0:F1} MiB CSV, peak managed heap {Mb(smallRun.PeakHeap):F1} MB, peak working set {Mb(smallRun.PeakWorkingSet):F1} MB"));

        var fullRun = await ExportAsync(exporter, rule, full,
            container.GetBlockBlobClient($"full-{Guid.NewGuid():N}.csv"), ct);
        output.WriteLine(Line($"export {fullRun.Rows:N0} orders: {fullRun.Seconds:F1} s = {fullRun.Rows / fullRun.Seconds:N0} orders/s, {fullRun.Bytes / 1048576.0:F1} MiB CSV, peak managed heap {Mb(fullRun.PeakHeap):F1} MB, peak working set {Mb(fullRun.PeakWorkingSet):F1} MB"));

        var ratio = fullRun.Rows / fullRun.Seconds / (raw.Rows / raw.Seconds);
        output.WriteLine(Line($"ratio export/raw read: {ratio:F2} (goal >= 0.7)"));
        output.WriteLine(Line($"peak memory {smallRun.Rows:N0} vs {fullRun.Rows:N0} orders: heap {Mb(smallRun.PeakHeap):F1} -> {Mb(fullRun.PeakHeap):F1} MB ({Mb(fullRun.PeakHeap - smallRun.PeakHeap):+0.0;-0.0} MB), working set {Mb(smallRun.PeakWorkingSet):F1} -> {Mb(fullRun.PeakWorkingSet):F1} MB ({Mb(fullRun.PeakWorkingSet - smallRun.PeakWorkingSet):+0.0;-0.0} MB) (goal: within 20 MB)"));
        return fullRun.Rows == raw.Rows ? 0 : 1;
    }

    private sealed record Run(long Rows, double Seconds, long Bytes, long PeakHeap, long PeakWorkingSet);

    private static async Task<Run> ExportAsync(ImpactExporter exporter, ImpactRule rule, ImpactWindow window,
        Azure.Storage.Blobs.Specialized.BlockBlobClient target, CancellationToken ct)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var sampler = new MemorySampler();
        var clock = Stopwatch.StartNew();
        var result = await exporter.ExportAsync(new ExportRequest([rule], window, End), target, null, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var (heap, workingSet) = await sampler.StopAsync();
        return new Run(result.Summary.Orders, seconds, result.SizeBytes, heap, workingSet);
    }

    private static async Task<(long Rows, double Seconds)> RawReadAsync(TableClient table, OrderQuery query,
        CancellationToken ct)
    {
        long rows = 0;
        var clock = Stopwatch.StartNew();
        foreach (var bucket in TableOrderSource.Buckets(query.From, query.To))
            await foreach (var page in table.QueryAsync<TableEntity>(TableOrderSource.Filter(bucket, query), 1000,
                cancellationToken: ct).AsPages().WithCancellation(ct))
                rows += page.Values.Count;
        return (rows, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Samples the managed heap and the working set every 20 ms; reports the peaks.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _heap, _workingSet;

        public MemorySampler() => _loop = Task.Run(async () =>
        {
            using var process = Process.GetCurrentProcess();
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            do
            {
                _heap = Math.Max(_heap, GC.GetTotalMemory(false));
                process.Refresh();
                _workingSet = Math.Max(_workingSet, process.WorkingSet64);
            } while (await timer.WaitForNextTickAsync(_stop.Token).AsTask()
                .ContinueWith(t => !t.IsCanceled && t.Result));
        });

        public async Task<(long Heap, long WorkingSet)> StopAsync()
        {
            _stop.Cancel();
            await _loop;
            return (_heap, _workingSet);
        }

        public void Dispose() => _stop.Dispose();
    }

    private static double Mb(long bytes) => bytes / 1_000_000.0;
    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
