using System.Text.Json;

namespace AutoResponder.Http;

/// <summary>
/// Checks a parsed JSON body once, by class, before any endpoint reads it: every string and property name is
/// valid UTF-16 (no lone surrogates such as "\ud800"), no number literal is absurdly long, no string, array or
/// object is larger than anything the API stores. The first problem names its JSON path
/// ("alerts[1].labels.team"). Field-specific limits (an alert title, a status text) are tighter and live
/// with the field; these bounds only guarantee that nothing reaches storage that storage cannot hold.
/// </summary>
internal static class JsonHygiene
{
    /// <summary>Longest string value: half a Table storage property (64 KiB of UTF-16 is 32,768 characters).</summary>
    public const int MaxStringChars = 16 * 1024;
    /// <summary>Longest number literal (a double has at most 17 significant digits plus sign and exponent).</summary>
    public const int MaxNumberChars = 40;
    /// <summary>Most items in one array or properties in one object.</summary>
    public const int MaxItems = 10_000;

    public static ApiResult? Check(JsonElement root) => Check(root, "$");

    private static ApiResult? Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                string text;
                try { text = element.GetString()!; }
                catch (InvalidOperationException)
                {
                    return Problems.Malformed($"The value of '{path}' is not valid Unicode text (a lone surrogate " +
                        $"such as \\ud800, or invalid UTF-8).", path);
                }
                return text.Length > MaxStringChars
                    ? Problems.Invalid(path,
                        $"'{path}' is {text.Length} characters long; the most accepted is {MaxStringChars}.")
                    : null;
            case JsonValueKind.Number:
                var raw = element.GetRawText();
                return raw.Length > MaxNumberChars
                    ? Problems.Invalid(path,
                        $"'{path}' is a number of {raw.Length} characters; the most accepted is {MaxNumberChars}.")
                    : null;
            case JsonValueKind.Array:
                if (element.GetArrayLength() > MaxItems)
                    return Problems.Invalid(path,
                        $"'{path}' has {element.GetArrayLength()} items; the most accepted is {MaxItems}.");
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    if (Check(item, $"{(path == "$" ? "" : path)}[{i++}]") is { } problem) return problem;
                return null;
            case JsonValueKind.Object:
                var count = 0;
                foreach (var property in element.EnumerateObject())
                {
                    if (++count > MaxItems) return Problems.Invalid(path,
                        $"'{path}' has more than {MaxItems} properties.");
                    string name;
                    try { name = property.Name; }
                    catch (InvalidOperationException)
                    {
                        return Problems.Malformed($"A property name in '{path}' is not valid Unicode text (a lone " +
                            $"surrogate or invalid UTF-8).", path);
                    }
                    if (name.Length > MaxStringChars)
                        return Problems.Invalid(path,
                        $"A property name in '{path}' is longer than {MaxStringChars} characters.");
                    if (Check(property.Value, path == "$" ? name : $"{path}.{name}") is { } problem) return problem;
                }
                return null;
            default:
                return null;
        }
    }
}
