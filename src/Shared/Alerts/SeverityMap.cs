namespace AutoResponder.Alerts;

/// <summary>
/// Every source's severity vocabulary mapped onto <see cref="Severity"/>, in one place.
/// Each method returns null for a value it does not know; the caller turns that into a 422 naming its field.
/// </summary>
internal static class SeverityMap
{
    /// <summary>
    /// Severity used when an Alertmanager/Grafana alert has no severity label, or a generic alert has no severity.
    /// </summary>
    public const Severity Default = Severity.Sev3;

    /// <summary>Azure Monitor essentials.severity: exactly "Sev0".."Sev4" (case-insensitive).</summary>
    public static Severity? FromAzureMonitor(string? value) => FromSevName(value);

    /// <summary>
    /// Alertmanager/Grafana label "severity" (case-insensitive):
    /// critical → Sev1; error, high, major → Sev2; warning, warn, minor → Sev3; info, low, none → Sev4;
    /// sev0..sev4 as named; p1..p5 → Sev0..Sev4 (P1, the most urgent priority, is the worst severity).
    /// </summary>
    public static Severity? FromPrometheusLabel(string? value)
    {
        var key = value?.Trim().ToLowerInvariant();
        return key switch
        {
            "critical" => Severity.Sev1,
            "error" or "high" or "major" => Severity.Sev2,
            "warning" or "warn" or "minor" => Severity.Sev3,
            "info" or "low" or "none" => Severity.Sev4,
            "p1" => Severity.Sev0,
            "p2" => Severity.Sev1,
            "p3" => Severity.Sev2,
            "p4" => Severity.Sev3,
            "p5" => Severity.Sev4,
            _ => FromSevName(key),
        };
    }

    /// <summary>
    /// Generic form: "Sev0".."Sev4", or critical → Sev1, high → Sev2, warning → Sev3, info → Sev4 (case-insensitive).
    /// </summary>
    public static Severity? FromGeneric(string? value)
    {
        var key = value?.Trim().ToLowerInvariant();
        return key switch
        {
            "critical" => Severity.Sev1,
            "high" => Severity.Sev2,
            "warning" => Severity.Sev3,
            "info" => Severity.Sev4,
            _ => FromSevName(key),
        };
    }

    private static Severity? FromSevName(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "sev0" => Severity.Sev0,
        "sev1" => Severity.Sev1,
        "sev2" => Severity.Sev2,
        "sev3" => Severity.Sev3,
        "sev4" => Severity.Sev4,
        _ => null,
    };
}
