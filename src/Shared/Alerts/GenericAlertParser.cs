using System.Text.Json;
using static AutoResponder.Alerts.JsonFields;

namespace AutoResponder.Alerts;

/// <summary>
/// The documented simple form for anything that can POST JSON:
/// <c>{"title", "severity", "service", "dedupKey", "status", "description", "startsAt", "endsAt", "links",
/// "labels"}</c>. Only "title" is required; see docs/alert-sources.md.
/// </summary>
internal sealed class GenericAlertParser(TimeProvider time) : IAlertParser
{
    public string Format => "generic";

    /// <summary>A root object with "title" that is not an Azure Monitor or Alertmanager/Grafana payload.</summary>
    private static readonly string[] GenericFields =
        ["title", "dedupKey", "severity", "service", "status", "description"];

    public bool CanParse(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        // "title" is required, but a payload with only the others is still a (bad) generic alert
        && GenericFields.Any(f => Prop(root, f) is not null)
        && Prop(root, "schemaId") is null
        && Array(root, "alerts") is null;

    public IReadOnlyList<Alert> Parse(JsonElement root)
    {
        var title = RequiredString(root, "title", "title");
        var service = OptionalString(root, "service", "service");
        var dedupKey = OptionalString(root, "dedupKey", "dedupKey");
        var status = ParseStatus(OptionalString(root, "status", "status"));
        var startsAt = OptionalString(root, "startsAt", "startsAt") is { } starts
            ? ParseDate(starts, "startsAt") : time.GetUtcNow();
        var endsAt = OptionalString(root, "endsAt", "endsAt") is { } ends
            ? ParseDate(ends, "endsAt") : (DateTimeOffset?)null;
        var fingerprint = dedupKey ?? AlertFingerprint.FromTitleAndService(title, service);

        return
        [
            new Alert
            {
                Source = "generic",
                SourceAlertId = fingerprint,
                Fingerprint = fingerprint,
                DedupKey = dedupKey,
                Title = title,
                Description = OptionalString(root, "description", "description"),
                Severity = ParseSeverity(OptionalString(root, "severity", "severity")),
                Status = status,
                StartsAt = startsAt,
                EndsAt = endsAt,
                Service = service,
                Rule = null,
                Labels = ParseLabels(root),
                Links = ParseLinks(root),
            },
        ];
    }

    private static Severity ParseSeverity(string? value) => value is null
        ? SeverityMap.Default
        : SeverityMap.FromGeneric(value)
          ?? throw AlertPayloadException.Invalid("severity",
              $"Unknown severity '{value}': expected Sev0..Sev4, critical, high, warning or info.");

    private static AlertStatus ParseStatus(string? value) => value?.ToLowerInvariant() switch
    {
        null or "firing" => AlertStatus.Firing,
        "resolved" => AlertStatus.Resolved,
        _ => throw AlertPayloadException.Invalid("status", $"Unknown status '{value}': expected firing or resolved."),
    };

    private static Dictionary<string, string> ParseLabels(JsonElement root) => ScalarMap(root, "labels", "labels");

    private static IReadOnlyList<AlertLink> ParseLinks(JsonElement root)
    {
        var links = new AlertLinkList();
        if (Prop(root, "links") is not { } array) return links.ToList();
        if (array.ValueKind != JsonValueKind.Array)
            throw AlertPayloadException.Invalid("links", "'links' must be an array of URLs or {title, url} objects.");

        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"links[{i++}]";
            var (title, url) = item.ValueKind == JsonValueKind.Object
                ? (OptionalString(item, "title", $"{path}.title"), RequiredString(item, "url", $"{path}.url"))
                : (null, item.ValueKind == JsonValueKind.String ? item.GetString() : null);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw AlertPayloadException.Invalid(item.ValueKind == JsonValueKind.Object ? $"{path}.url" : path,
                    $"'{path}' must be an absolute http(s) URL.");
            links.Add(title ?? url!, url);
        }
        return links.ToList();
    }
}
