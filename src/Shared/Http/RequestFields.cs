using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.Http;

/// <summary>
/// Reads typed fields from a JSON request object (the API) or a form (the console); the first problem found is kept
/// and names the field. A request record's <c>Bind</c> reads its fields through here, so both see the same rules.
/// </summary>
public sealed class RequestFields(JsonElement root)
{
    public ApiResult? Error { get; private set; }

    /// <summary>The problem's text (for a page rather than problem details), or null.</summary>
    public string? Problem => (Error?.Body as ProblemBody)?.Detail;

    /// <summary>
    /// A console form's fields as the same JSON object: a blank field is an absent one, a repeated field an array.
    /// </summary>
    public static RequestFields FromForm(IFormCollection form)
    {
        var json = new JsonObject();
        foreach (var (name, values) in form)
        {
            var given = values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => (JsonNode?)JsonValue.Create(v))
                .ToArray();
            if (given.Length == 1) json[name] = given[0];
            else if (given.Length > 1) json[name] = new JsonArray(given);
        }
        return new RequestFields(JsonSerializer.SerializeToElement(json));
    }

    /// <summary>Records a problem with a field found by the caller's own rule (the first problem is kept).</summary>
    public void Invalid(string name, string detail) => Error ??= Problems.Invalid(name, detail);

    /// <summary>Records a missing field the caller requires after reading it (the first problem is kept).</summary>
    public void Missing(string name) => Error ??= Problems.Missing(name);

    /// <summary>An absolute http(s) URL (as given, trimmed); null when absent.</summary>
    public string? Url(string name, bool required, int maxLength = 2000)
    {
        var text = String(name, required, maxLength);
        if (text is null) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)) return text;
        Invalid(name, $"'{name}' must be an absolute http(s) URL (got '{text}').");
        return null;
    }

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
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) && text.Contains('T'))
            return at;
        Error = Problems.Invalid(name,
            $"'{name}' must be an ISO-8601 date-time such as 2026-11-26T15:00:00Z (got '{text}').");
        return null;
    }
}
