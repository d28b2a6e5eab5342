using System.Text.Json;
using static AutoResponder.Alerts.JsonFields;

namespace AutoResponder.Alerts;

/// <summary>
/// Turns an Azure Monitor alertContext into one or two lines a human can read in an incident
/// ("Percentage CPU Average GreaterThan 25: value 31.1105"), plus an optional headline for the title.
/// </summary>
internal static class AzureAlertContextSummary
{
    public static string? Summarise(AzureSignalKind kind, JsonElement context) => kind switch
    {
        AzureSignalKind.Metric or AzureSignalKind.DynamicMetric => Conditions(context, MetricCondition),
        AzureSignalKind.Availability => Conditions(context, AvailabilityCondition),
        AzureSignalKind.LogSearchV2 => Conditions(context, LogQueryCondition),
        AzureSignalKind.LogSearchV1 => LogSearchV1(context),
        AzureSignalKind.ServiceHealth => ServiceHealth(context),
        AzureSignalKind.ResourceHealth => ResourceHealth(context),
        AzureSignalKind.ActivityLog => ActivityLog(context),
        AzureSignalKind.SmartDetection => SmartDetection(context),
        AzureSignalKind.Prometheus => Prometheus(context),
        AzureSignalKind.CostBudget => Budget(context),
        _ => null,
    };

    /// <summary>
    /// "Actual cost $11,111.00 of budget $50.00 (alert threshold $25.00)"; forecasts add the forecasted total.
    /// </summary>
    private static string? Budget(JsonElement context)
    {
        if (Object(context, "AlertData") is not { } data) return null;
        var forecast = Text(data, "ForecastedTotalForPeriod");
        var parts = new List<string>();
        if (Text(data, "ThresholdType") is { } type) parts.Add($"{type} cost");
        if (Text(data, "SpentAmount") is { } spent) parts.Add($"spent {spent}");
        if (forecast is not null) parts.Add($"forecast for the period {forecast}");
        if (Text(data, "BudgetThreshold") is { } budget) parts.Add($"budget {budget}");
        if (Text(data, "NotificationThresholdAmount") is { } threshold) parts.Add($"alert threshold {threshold}");
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>A more specific headline than the rule name, when the context has one.</summary>
    public static string? Headline(AzureSignalKind kind, JsonElement context) => kind switch
    {
        AzureSignalKind.ServiceHealth or AzureSignalKind.ResourceHealth => Text(Properties(context), "title"),
        AzureSignalKind.Prometheus => Object(context, "annotations") is { } a ? Text(a, "summary") : null,
        AzureSignalKind.ActivityLog => Text(Properties(context), "recommendationName"),
        AzureSignalKind.CostBudget => Object(context, "AlertData") is { } d && Text(d, "ThresholdType") is { } t
            ? (t.Equals("Forecasted", StringComparison.OrdinalIgnoreCase)
                ? "forecast exceeds the threshold" : "actual cost exceeds the threshold")
            : null,
        _ => null,
    };

    private static string? Conditions(JsonElement context, Func<JsonElement, string> describe)
    {
        if (Object(context, "condition") is not { } condition || Array(condition, "allOf") is not { } allOf)
            return null;
        var parts = allOf.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object).Select(describe).ToList();
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string MetricCondition(JsonElement c)
    {
        var line = $"{Text(c, "metricName")} {Text(c, "timeAggregation")} {Text(c, "operator")} " +
            $"{Text(c, "threshold")}: value {Text(c, "metricValue")}";
        if (Text(c, "alertSensitivity") is { } sensitivity) line += $" (dynamic threshold, {sensitivity} sensitivity)";
        return line + Dimensions(c);
    }

    private static string AvailabilityCondition(JsonElement c) =>
        $"Availability test '{Text(c, "webTestName")}': {Text(c, "metricName")} {Text(c, "timeAggregation")} " +
        $"{Text(c, "operator")} {Text(c, "threshold")}: value {Text(c, "metricValue")}";

    private static string LogQueryCondition(JsonElement c) =>
        $"Log query '{Text(c, "searchQuery")}': {Text(c, "timeAggregation")} {Text(c, "operator")} " +
        $"{Text(c, "threshold")}: value {Text(c, "metricValue")}{Dimensions(c)}";

    private static string LogSearchV1(JsonElement c)
    {
        var line = $"Log query '{Text(c, "SearchQuery")}' returned {Text(c, "ResultCount") ?? "?"} result(s)";
        if (Text(c, "Operator") is { } op) line += $" (threshold {op} {Text(c, "Threshold")})";
        return line;
    }

    private static string ServiceHealth(JsonElement c)
    {
        var p = Properties(c);
        return $"Service health {Text(p, "incidentType") ?? "event"}: {Text(p, "title")} ({Text(p, "service")}, " +
            $"{Text(p, "region")}); stage {Text(p, "stage")}; tracking ID {Text(p, "trackingId")}";
    }

    private static string ResourceHealth(JsonElement c)
    {
        var p = Properties(c);
        return $"Resource health {Text(p, "previousHealthStatus")} → {Text(p, "currentHealthStatus")} " +
            $"({Text(p, "type")}, cause {Text(p, "cause")}): {Text(p, "title")}";
    }

    private static string ActivityLog(JsonElement c)
    {
        var p = Properties(c);
        var line = $"Activity log {Text(c, "eventSource")}: {Text(c, "operationName")} {Text(c, "status")}";
        if (Text(c, "caller") is { } caller) line += $" by {caller}";
        var detail = Text(c, "eventSource")?.ToLowerInvariant() switch
        {
            "autoscale" => Text(p, "description"),
            "security" => $"{Text(p, "category")} threat {Text(p, "threatStatus")} on " +
                $"{Text(p, "compromisedEntity")}, action {Text(p, "actionTaken")}",
            "recommendation" => $"{Text(p, "recommendationCategory")} recommendation, impact " +
                $"{Text(p, "recommendationImpact")}"
                                + (Text(p, "recommendationName") is { } name ? $": {name}" : ""),
            "policy" => $"policy compliance check {Text(p, "isComplianceCheck")} in {Text(p, "resourceLocation")}",
            _ => null,
        };
        return detail is null ? line : $"{line}. {detail}";
    }

    private static string SmartDetection(JsonElement c) =>
        $"{Text(c, "DetectionSummary") ?? Text(c, "SmartDetectorName")}: detected {Text(c, "DetectedValue")}, normal " +
        $"{Text(c, "NormalValue")}";

    private static string Prometheus(JsonElement c) =>
        $"PromQL {Text(c, "expression")} = {Text(c, "expressionValue")} (for {Text(c, "for")})";

    private static string Dimensions(JsonElement condition)
    {
        if (Array(condition, "dimensions") is not { } dims) return "";
        var pairs = dims.EnumerateArray().Select(d => $"{Text(d, "name")}={Text(d, "value")}").ToList();
        return pairs.Count == 0 ? "" : $" [{string.Join(", ", pairs)}]";
    }

    private static JsonElement Properties(JsonElement context) => Object(context, "properties") ?? default;
}
