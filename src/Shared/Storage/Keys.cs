using System.Security.Cryptography;
using System.Text;

namespace AutoResponder.Storage;

/// <summary>Turns arbitrary text (fingerprints, dedup keys) into safe, fixed-length table keys.</summary>
public static class Keys
{
    /// <summary>
    /// Lower-case hex of the first 16 bytes of SHA-256: safe in PartitionKey/RowKey, collision-free in practice.
    /// </summary>
    public static string Hash(string value)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), digest);
        return Convert.ToHexStringLower(digest[..16]);
    }

    /// <summary>Row-key fragment that sorts by time: ticks, zero-padded.</summary>
    public static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19");

    /// <summary>Row-key fragment that sorts newest first.</summary>
    public static string InvertedTicks(DateTimeOffset at)
        => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19");

    public static string Unique() => Guid.NewGuid().ToString("N")[..8];
}
