using System.Security.Cryptography;
using System.Text;

namespace AutoResponder.Alerts;

/// <summary>Stable content hashes used when a source gives no id of its own (lower-case hex SHA-256).</summary>
internal static class AlertFingerprint
{
    /// <summary>Hash of a label set, independent of label order: "name=value" lines sorted ordinally.</summary>
    public static string FromLabels(IReadOnlyDictionary<string, string> labels)
    {
        var lines = labels.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value}");
        return Sha256(string.Join('\n', lines));
    }

    /// <summary>Hash of title and service, normalised (trimmed, lower-cased, inner whitespace collapsed).</summary>
    public static string FromTitleAndService(string title, string? service) =>
        Sha256($"{Normalise(title)}\n{Normalise(service)}");

    private static string Normalise(string? text) =>
        string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    private static string Sha256(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
