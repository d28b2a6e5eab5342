using System.Security.Cryptography;

namespace AutoResponder.Incidents;

/// <summary>Human-friendly incident ids: INC-20261126-4F7K (UTC date + 4 Crockford base32 characters).</summary>
public sealed class IncidentIds(TimeProvider time)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public string Next()
    {
        Span<char> suffix = stackalloc char[4];
        for (var i = 0; i < suffix.Length; i++) suffix[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return $"INC-{time.GetUtcNow():yyyyMMdd}-{suffix}";
    }

    public static bool LooksValid(string? id) =>
        id is { Length: 17 } && id.StartsWith("INC-", StringComparison.Ordinal) && id[12] == '-' &&
        id.AsSpan(4, 8).IndexOfAnyExceptInRange('0', '9') < 0 && id.AsSpan(13).IndexOfAnyExcept(Alphabet) < 0;
}
