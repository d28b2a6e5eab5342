using System.Security.Cryptography;

namespace AutoResponder.Incidents;

/// <summary>
/// Incident ids: INC-20261126-4F7K9QX2M3ABC (UTC date + 13 Crockford base32 characters, 65 random bits).
/// <para>
/// Room: ids can only collide within one day. At n = 100,000 incidents a day, out of N = 32^13 ≈ 3.8·10^19 suffixes,
/// the chance that any two of the day's ids collide is about n(n−1)/2N ≈ 5·10^9 / 3.8·10^19 ≈ 1.3·10^-10 — below one in
/// a billion. (The 4 characters of earlier versions, N ≈ 10^6, made a collision likely after ~1,200 incidents a day.)
/// A collision is still handled, not assumed away: an incident is created only if absent (the row's <c>Add</c>), and an
/// alert joins an incident only if it belongs to that incident's group (<see cref="IncidentLifecycle.BelongsTo"/>); a
/// taken id makes intake draw again.
/// </para>
/// </summary>
/// <param name="suffixes">Where the random part comes from; tests pass a narrow one to force collisions.</param>
public sealed class IncidentIds(TimeProvider time, Func<string>? suffixes = null)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int SuffixLength = 13;
    /// <summary>Ids made before the suffix grew are still valid (and still found).</summary>
    private const int OldSuffixLength = 4;

    private readonly Func<string> _suffixes = suffixes ?? RandomSuffix;

    public string Next() => $"INC-{time.GetUtcNow():yyyyMMdd}-{_suffixes()}";

    public static string RandomSuffix()
    {
        Span<char> suffix = stackalloc char[SuffixLength];
        for (var i = 0; i < suffix.Length; i++) suffix[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(suffix);
    }

    public static bool LooksValid(string? id) =>
        id is { Length: 13 + SuffixLength or 13 + OldSuffixLength } && id.StartsWith("INC-", StringComparison.Ordinal)
            && id[12] == '-' &&
        id.AsSpan(4, 8).IndexOfAnyExceptInRange('0', '9') < 0 && id.AsSpan(13).IndexOfAnyExcept(Alphabet) < 0;
}
