using System.Text.Json.Nodes;

namespace AutoResponder.FunctionsHost;

/// <summary>App settings as App Service passes them: environment variables, sections joined by "__".</summary>
internal static class AppSettings
{
    /// <summary>An appsettings-style JSON file flattened to settings, e.g. AutoResponder__Impact__Rules__0__Name.</summary>
    public static Dictionary<string, string> FromJsonFile(string path)
    {
        var settings = new Dictionary<string, string>();
        Flatten(JsonNode.Parse(File.ReadAllText(path)), "", settings);
        return settings;
    }

    /// <summary>The "Values" of a local.settings.json (Core Tools' app settings, already flat).</summary>
    public static Dictionary<string, string> FromLocalSettings(string path) =>
        JsonNode.Parse(File.ReadAllText(path))?["Values"]?.AsObject().ToDictionary(v => v.Key, v => v.Value?.GetValue<string>() ?? "") ?? [];

    private static void Flatten(JsonNode? node, string prefix, Dictionary<string, string> settings)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o) Flatten(value, prefix.Length == 0 ? key : $"{prefix}__{key}", settings);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) Flatten(a[i], $"{prefix}__{i}", settings);
                break;
            case JsonValue v:
                settings[prefix] = v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                break;
        }
    }
}
