using System.Globalization;
using System.Text.Json;

namespace AutoResponder.Http;

/// <summary>Reads typed fields from a JSON request object; the first problem found is kept and names the field.</summary>
public sealed class RequestFields(JsonElement root)
{
    public ApiResult? Error { get; private set; }

    public static ApiResult? RequireObject(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object ? null : Problems.Malformed("The body must be a JSON object.");

    public string? String(string name, bool required, int maxLength = 4000)
    {
        if (Error is not null) return null;
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) Error = Problems.Missing(name);
            return null;
        }
        if (value.ValueKind != JsonValueKind.String) { Error = Problems.Invalid(name, $"'{name}' must be a string."); return null; }
        var text = value.GetString()!.Trim();
        if (text.Length == 0 && required) { Error = Problems.Invalid(name, $"'{name}' must not be blank."); return null; }
        if (text.Length > maxLength) { Error = Problems.Invalid(name, $"'{name}' is longer than {maxLength} characters."); return null; }
        return text.Length == 0 ? null : text;
    }

    /// <summary>A JSON array of non-blank strings (trimmed); null when the field is absent.</summary>
    public IReadOnlyList<string>? Strings(string name, int maxItems, int maxLength = 200)
    {
        if (Error is not null) return null;
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array) { Error = Problems.Invalid(name, $"'{name}' must be an array of strings."); return null; }
        if (value.GetArrayLength() > maxItems) { Error = Problems.Invalid(name, $"'{name}' has more than {maxItems} items."); return null; }
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString()!.Trim() : null;
            if (string.IsNullOrEmpty(text)) { Error = Problems.Invalid(name, $"'{name}' must hold non-blank strings only."); return null; }
            if (text.Length > maxLength) { Error = Problems.Invalid(name, $"'{name}' holds a value longer than {maxLength} characters."); return null; }
            list.Add(text);
        }
        return list;
    }

    /// <summary>A JSON true or false.</summary>
    public bool? Bool(string name, bool required)
    {
        if (Error is not null) return null;
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) Error = Problems.Missing(name);
            return null;
        }
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        Error = Problems.Invalid(name, $"'{name}' must be true or false.");
        return null;
    }

    /// <summary>An ISO-8601 date-time with an offset (e.g. 2026-11-26T15:00:00Z).</summary>
    public DateTimeOffset? DateTime(string name)
    {
        var text = String(name, required: false, maxLength: 64);
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) && text.Contains('T'))
            return at;
        Error = Problems.Invalid(name, $"'{name}' must be an ISO-8601 date-time such as 2026-11-26T15:00:00Z (got '{text}').");
        return null;
    }
}
