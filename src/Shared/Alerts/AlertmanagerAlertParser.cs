using System.Text.Json;
using static AutoResponder.Alerts.JsonFields;

namespace AutoResponder.Alerts;

/// <summary>
/// Prometheus Alertmanager webhook (version "4") and Grafana's webhook contact point, which sends the same
/// group shape (version "1") plus orgId, state, title, message and per-alert values, silenceURL, dashboardURL
/// and panelURL. One <see cref="Alert"/> per element of <c>alerts[]</c>.
/// </summary>
internal sealed class AlertmanagerAlertParser : IAlertParser
{
    private static readonly string[] GrafanaRootFields = ["orgId", "state", "title", "message"];
    private static readonly string[] GrafanaAlertFields =
        ["silenceURL", "dashboardURL", "panelURL", "values", "valueString"];

    public string Format => "alertmanager";

    /// <summary>A root object with an "alerts" array and one of "groupKey", "receiver" or "version".</summary>
    public bool CanParse(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && Prop(root, "alerts") is not null
        && (Prop(root, "groupKey") is not null || Prop(root, "receiver") is not null
            || Prop(root, "version") is not null);

    public IReadOnlyList<Alert> Parse(JsonElement root)
    {
        var alerts = Prop(root, "alerts") ?? throw AlertPayloadException.Missing("alerts");
        if (alerts.ValueKind != JsonValueKind.Array)
            throw AlertPayloadException.Invalid("alerts", "'alerts' must be an array of alert objects.");
        if (alerts.GetArrayLength() == 0)
            throw AlertPayloadException.Invalid("alerts", "'alerts' is empty: a webhook carries at least one alert.");
        var source = IsGrafana(root, alerts) ? "grafana" : "alertmanager";
        var groupStatus = Text(root, "status");
        var groupKey = Text(root, "groupKey");
        return alerts.EnumerateArray().Select((alert, i) => ParseAlert(alert, $"alerts[{i}]", source, groupStatus) with { DeliveryGroup = groupKey }).ToList();
    }

    private static Alert ParseAlert(JsonElement alert, string path, string source, string? groupStatus)
    {
        if (alert.ValueKind != JsonValueKind.Object)
            throw new AlertPayloadException(400, path, $"'{path}' must be an object.");

        // Alertmanager and Grafana always send labels (an alert is its label set); annotations are optional.
        var labels = ScalarMap(alert, "labels", $"{path}.labels", required: true);
        var annotations = ScalarMap(alert, "annotations", $"{path}.annotations");
        var status = ParseStatus(OptionalString(alert, "status", $"{path}.status") ?? groupStatus, $"{path}.status");
        var startsAt = ParseDate(RequiredString(alert, "startsAt", $"{path}.startsAt"), $"{path}.startsAt");
        var endsAt = ParseEndsAt(OptionalString(alert, "endsAt", $"{path}.endsAt"), $"{path}.endsAt");
        var fingerprint = OptionalString(alert, "fingerprint", $"{path}.fingerprint")
            ?? AlertFingerprint.FromLabels(labels);

        return new Alert
        {
            Source = source,
            SourceAlertId = fingerprint,
            Fingerprint = fingerprint,
            DedupKey = labels.GetValueOrDefault("dedup_key"),
            Title = annotations.GetValueOrDefault("summary") ?? labels.GetValueOrDefault("alertname")
                ?? $"Alert {fingerprint}",
            Description = annotations.GetValueOrDefault("description"),
            Severity = ParseSeverity(labels, $"{path}.labels.severity"),
            Status = status,
            StartsAt = startsAt,
            // A firing alert's endsAt is only Prometheus' provisional resolve timeout, not an end.
            EndsAt = status == AlertStatus.Resolved ? endsAt : null,
            Service = labels.GetValueOrDefault("service") ?? labels.GetValueOrDefault("job")
                ?? labels.GetValueOrDefault("instance"),
            Rule = labels.GetValueOrDefault("alertname"),
            Labels = labels,
            Links = new AlertLinkList()
                .Add("Source", Text(alert, "generatorURL"))
                .Add("Runbook", annotations.GetValueOrDefault("runbook_url"))
                .Add("Dashboard", Text(alert, "dashboardURL"))
                .Add("Panel", Text(alert, "panelURL"))
                .Add("Silence", Text(alert, "silenceURL"))
                .ToList(),
        };
    }

    private static AlertStatus ParseStatus(string? value, string path) => value?.ToLowerInvariant() switch
    {
        null => throw AlertPayloadException.Missing(path),
        "firing" => AlertStatus.Firing,
        "resolved" => AlertStatus.Resolved,
        _ => throw AlertPayloadException.Invalid(path, $"Unknown alert status '{value}': expected firing or resolved."),
    };

    /// <summary>Alertmanager's zero time "0001-01-01T00:00:00Z" means "not ended".</summary>
    private static DateTimeOffset? ParseEndsAt(string? value, string path)
    {
        if (value is null) return null;
        var parsed = ParseDate(value, path);
        return parsed.Year <= 1 ? null : parsed;
    }

    private static Severity ParseSeverity(Dictionary<string, string> labels, string path)
    {
        if (!labels.TryGetValue("severity", out var value)) return SeverityMap.Default;
        return SeverityMap.FromPrometheusLabel(value)
            ?? throw AlertPayloadException.Invalid(path,
                $"Unknown severity label '{value}': expected critical, error, high, major, warning, warn, minor, " +
                $"info, low, none, sev0..sev4 or p1..p5.");
    }

    private static bool IsGrafana(JsonElement root, JsonElement alerts) =>
        GrafanaRootFields.Any(f => Prop(root, f) is not null)
        || alerts.EnumerateArray().Any(a => GrafanaAlertFields.Any(f => Prop(a, f) is not null));
}
