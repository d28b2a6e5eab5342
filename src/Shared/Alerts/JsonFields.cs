using System.Globalization;
using System.Text.Json;

namespace AutoResponder.Alerts;

/// <summary>
/// Small, forgiving readers over <see cref="JsonElement"/> shared by the parsers. Property lookups try the
/// exact name first and then a case-insensitive match, because Azure mixes "LinkToSearchResults" and
/// "linkToSearchResultsUI" styles. A JSON null counts as absent.
/// </summary>
internal static class JsonFields
{
    public static JsonElement? Prop(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        if (element.TryGetProperty(name, out var exact)) return Present(exact);
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)) return Present(property.Value);
        }
        return null;
    }

    public static JsonElement? Object(JsonElement element, string name) =>
        Prop(element, name) is { ValueKind: JsonValueKind.Object } value ? value : null;

    public static JsonElement? Array(JsonElement element, string name) =>
        Prop(element, name) is { ValueKind: JsonValueKind.Array } value ? value : null;

    /// <summary>
    /// The value as text: strings as-is, numbers and booleans as their JSON text; empty or whitespace → null.
    /// </summary>
    public static string? Text(JsonElement element, string name)
        => Prop(element, name) is { } value ? Text(value) : null;

    public static string? Text(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    /// <summary>A required string: absent, null or blank → 400; present but not a string → 422.</summary>
    public static string RequiredString(JsonElement parent, string name, string path)
    {
        var value = Prop(parent, name) ?? throw AlertPayloadException.Missing(path);
        if (value.ValueKind != JsonValueKind.String)
            throw AlertPayloadException.Invalid(path, $"The field '{path}' must be a string.");
        var text = value.GetString();
        return string.IsNullOrWhiteSpace(text) ? throw AlertPayloadException.Missing(path) : text;
    }

    /// <summary>An optional string: absent or null → null; present but not a string → 422.</summary>
    public static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (Prop(parent, name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String)
            throw AlertPayloadException.Invalid(path, $"The field '{path}' must be a string.");
        var text = value.GetString();
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    /// <summary>Parses an ISO-8601 / RFC 3339 timestamp; anything else → 422 naming <paramref name="path"/>.</summary>
    public static DateTimeOffset ParseDate(string text, string path)
    {
        const DateTimeStyles styles = DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, styles, out var parsed)
            ? parsed
            : throw AlertPayloadException.Invalid(path,
                $"The field '{path}' must be an ISO-8601 date and time, got '{text}'.");
    }

    /// <summary>A JSON object of scalars as a string map (non-scalar values are skipped).</summary>
    public static Dictionary<string, string> StringMap(JsonElement? element)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element is not { ValueKind: JsonValueKind.Object } obj) return map;
        foreach (var property in obj.EnumerateObject())
        {
            if (Text(property.Value) is { } text) map[property.Name] = text;
        }
        return map;
    }

    /// <summary>
    /// A documented map of scalar values (labels, annotations): absent or null → empty (400 when
    /// <paramref name="required"/>); not an object → 422; a value that is an object or array → 422 naming it.
    /// Numbers and booleans become their JSON text.
    /// </summary>
    public static Dictionary<string, string> ScalarMap(JsonElement parent, string name, string path,
        bool required = false)
    {
        if (Prop(parent, name) is not { } value)
            return required ? throw AlertPayloadException.Missing(path)
                : new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind != JsonValueKind.Object)
            throw AlertPayloadException.Invalid(path, $"'{path}' must be an object of string values.");
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                throw AlertPayloadException.Invalid($"{path}.{property.Name}",
                    $"'{path}.{property.Name}' must be a string, not an " +
                    $"{property.Value.ValueKind.ToString().ToLowerInvariant()}.");
        }
        return StringMap(value);
    }

    private static JsonElement? Present(JsonElement value) =>
        value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : value;
}
