using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoResponder.Graph;

/// <summary>
/// Merges two MSAL token caches when another instance wrote the blob since we read it (a 412 on our If-Match): the
/// result holds every entry of both, so neither instance's fresh refresh token is lost. The MSAL cache is a JSON object
/// of sections ("AccessToken", "RefreshToken", "IdToken", "Account", "AppMetadata"), each an object keyed by cache key.
/// Where both hold the same key, the newer access token wins (by "cached_at"); otherwise ours, the change just made.
/// An entry one side removed may come back from the other; MSAL removes it again when it proves unusable.
/// </summary>
internal static class TokenCacheMerge
{
    public static byte[] Merge(byte[] theirs, byte[] ours)
    {
        JsonObject? a, b;
        try
        {
            a = theirs.Length == 0 ? new JsonObject() : JsonNode.Parse(theirs) as JsonObject;
            b = ours.Length == 0 ? new JsonObject() : JsonNode.Parse(ours) as JsonObject;
        }
        catch (JsonException) { return ours; }
        if (a is null || b is null) return ours;

        var merged = (JsonObject)a.DeepClone();
        foreach (var (section, value) in b)
        {
            if (value is JsonObject entries && merged[section] is JsonObject existing)
            {
                foreach (var (key, entry) in entries)
                {
                    if (existing[key] is { } theirsEntry && section == "AccessToken"
                        && CachedAt(theirsEntry) > CachedAt(entry)) continue;
                    existing[key] = entry?.DeepClone();
                }
            }
            else merged[section] = value?.DeepClone();
        }
        return JsonSerializer.SerializeToUtf8Bytes(merged);
    }

    private static long CachedAt(JsonNode? entry) =>
        entry?["cached_at"] is JsonValue v
            && long.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var at) ? at : 0;
}
