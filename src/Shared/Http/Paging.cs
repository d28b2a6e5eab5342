using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.Http;

/// <summary>
/// An opaque continuation cursor: base64url of "v1", the listing it belongs to (e.g. "timeline:INC-…" or the
/// list's filters) and a position inside it (a storage row key). Clients pass it back unchanged; a cursor from
/// another listing, or one that is not ours, is a 422 naming <c>cursor</c>.
/// </summary>
internal static class PageCursor
{
    private const string Version = "v1";

    public static string Encode(string scope, string position) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Version}\n{scope}\n{position}"));

    /// <summary>
    /// The position, or null when <paramref name="cursor"/> is not a cursor of <paramref name="scope"/>.
    /// </summary>
    public static string? Decode(string cursor, string scope)
    {
        if (cursor.Length > 2048 || !Base64Url.IsValid(cursor)) return null;
        string text;
        try { text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)); }
        catch (FormatException) { return null; }
        var parts = text.Split('\n');
        return parts.Length == 3 && parts[0] == Version && parts[1] == scope && parts[2].Length > 0 ? parts[2] : null;
    }
}

/// <summary>The <c>limit</c> and <c>cursor</c> query parameters of a paged route, validated.</summary>
public sealed record PageRequest(int Limit, string? After)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Reads limit (1..500, default 50) and cursor; a bad value is a problem naming the parameter.</summary>
    public static PageRequest? Read(HttpRequest request, string scope, out ApiResult? problem,
        string positionPrefix = "")
    {
        problem = null;
        var limit = DefaultLimit;
        if (request.Query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, out limit) || limit is < 1 or > MaxLimit))
        {
            problem = Problems.Invalid("limit", $"'limit' must be a whole number from 1 to {MaxLimit}.");
            return null;
        }
        string? after = null;
        if (request.Query.TryGetValue("cursor", out var cursorText))
        {
            after = PageCursor.Decode(cursorText.ToString(), scope);
            if (after is null || !after.StartsWith(positionPrefix, StringComparison.Ordinal))
            {
                problem = Problems.Invalid("cursor",
                    "'cursor' is not a continuation of this listing: pass the nextCursor of the previous page " +
                    "unchanged, with the same filters.");
                return null;
            }
        }
        return new PageRequest(limit, after);
    }
}
