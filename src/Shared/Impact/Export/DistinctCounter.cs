namespace AutoResponder.Impact;

/// <summary>
/// Counts distinct values in bounded memory: exactly (a set of 64-bit hashes) up to <see cref="ExactLimit"/>
/// values, then as a HyperLogLog estimate (2^14 registers, about 0.8 % standard error) — so a 10-million-row
/// export does not hold every customer id in memory. <see cref="Approximate"/> says which.
/// </summary>
internal sealed class DistinctCounter(int exactLimit = DistinctCounter.ExactLimit)
{
    public const int ExactLimit = 100_000;
    private const int Precision = 14;
    private const int Registers = 1 << Precision;

    private HashSet<ulong>? _exact = [];
    private byte[]? _registers;

    public bool Approximate => _registers is not null;

    public void Add(string value)
    {
        var hash = Hash(value);
        if (_exact is not null)
        {
            _exact.Add(hash);
            if (_exact.Count <= exactLimit) return;
            _registers = new byte[Registers];
            foreach (var h in _exact) AddToRegisters(h);
            _exact = null;
            return;
        }
        AddToRegisters(hash);
    }

    public long Count
    {
        get
        {
            if (_exact is not null) return _exact.Count;
            var registers = _registers!;
            double sum = 0;
            var zeros = 0;
            foreach (var r in registers)
            {
                sum += Math.Pow(2, -r);
                if (r == 0) zeros++;
            }
            var alpha = 0.7213 / (1 + 1.079 / Registers);
            var estimate = alpha * Registers * Registers / sum;
            if (estimate <= 2.5 * Registers && zeros > 0) estimate = Registers * Math.Log((double)Registers / zeros);
            return (long)Math.Round(estimate);
        }
    }

    private void AddToRegisters(ulong hash)
    {
        var index = (int)(hash >> (64 - Precision));
        var rest = (hash << Precision) | (1UL << (Precision - 1));
        var rank = (byte)(System.Numerics.BitOperations.LeadingZeroCount(rest) + 1);
        if (rank > _registers![index]) _registers[index] = rank;
    }

    /// <summary>
    /// FNV-1a over the UTF-16 code units, finished with a SplitMix64 mix so every bit is well spread.
    /// </summary>
    private static ulong Hash(string value)
    {
        var h = 14695981039346656037UL;
        foreach (var c in value) { h ^= c; h *= 1099511628211UL; }
        h ^= h >> 30; h *= 0xbf58476d1ce4e5b9UL;
        h ^= h >> 27; h *= 0x94d049bb133111ebUL;
        return h ^ (h >> 31);
    }
}
