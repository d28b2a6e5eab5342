namespace AutoResponder.Cli.Bench;

/// <summary>Throughput and latency percentiles of one measured run.</summary>
internal sealed record LatencyStats(int Count, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double PerSecond => Count / Elapsed.TotalSeconds;

    public static LatencyStats From(IReadOnlyList<double> latenciesMs, TimeSpan elapsed)
    {
        var sorted = latenciesMs.Order().ToArray();
        double Percentile(double p)
            => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new LatencyStats(sorted.Length, elapsed, Percentile(0.50), Percentile(0.99));
    }
}
