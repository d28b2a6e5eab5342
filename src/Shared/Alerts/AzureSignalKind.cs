using System.Text.Json;
using static AutoResponder.Alerts.JsonFields;

namespace AutoResponder.Alerts;

/// <summary>The shape of an Azure Monitor alertContext, which depends on the signal and monitoring service.</summary>
internal enum AzureSignalKind
{
    Unknown,
    Metric,
    DynamicMetric,
    Availability,
    LogSearchV1,
    LogSearchV2,
    ActivityLog,
    ServiceHealth,
    ResourceHealth,
    SmartDetection,
    Prometheus,
    /// <summary>
    /// Cost Management budget alerts (actual and forecasted): monitoringService "CostAlerts", no rule, severity or
    /// condition.
    /// </summary>
    CostBudget,
}

/// <summary>Works out the <see cref="AzureSignalKind"/> from essentials and alertContext.</summary>
internal static class AzureSignalKinds
{
    public static AzureSignalKind Detect(JsonElement essentials, JsonElement context)
    {
        var service = Text(essentials, "monitoringService") ?? "";
        var conditionType = Text(context, "conditionType") ?? "";

        if (Is(service, "CostAlerts") || Is(Text(context, "AlertCategory"), "budgets"))
            return AzureSignalKind.CostBudget;
        if (Is(service, "Prometheus") || conditionType.Contains("Prometheus", StringComparison.OrdinalIgnoreCase)
            || (Prop(context, "expression") is not null && Prop(context, "ruleGroup") is not null))
            return AzureSignalKind.Prometheus;
        if (Is(service, "SmartDetector") || Prop(context, "SmartDetectorId") is not null)
            return AzureSignalKind.SmartDetection;
        if (Is(conditionType, "LogQueryCriteria")) return AzureSignalKind.LogSearchV2;
        if (Prop(context, "SearchQuery") is not null && Prop(context, "condition") is null)
            return AzureSignalKind.LogSearchV1;
        if (Is(conditionType, "WebtestLocationAvailabilityCriteria")) return AzureSignalKind.Availability;
        if (Is(conditionType, "DynamicThresholdCriteria")) return AzureSignalKind.DynamicMetric;
        if (Object(context, "condition") is { } condition && Array(condition, "allOf") is not null)
            return AzureSignalKind.Metric;

        var operation = Text(context, "operationName") ?? "";
        if (Is(service, "ServiceHealth")
            || operation.StartsWith("Microsoft.ServiceHealth/", StringComparison.OrdinalIgnoreCase))
            return AzureSignalKind.ServiceHealth;
        if (Is(service.Replace(" ", ""), "ResourceHealth") || Is(Text(context, "eventSource"), "ResourceHealth")
            || operation.StartsWith("Microsoft.Resourcehealth/", StringComparison.OrdinalIgnoreCase))
            return AzureSignalKind.ResourceHealth;
        if (Is(Text(essentials, "signalType"), "Activity Log") || operation.Length > 0)
            return AzureSignalKind.ActivityLog;
        return AzureSignalKind.Unknown;
    }

    private static bool Is(string? value, string expected)
        => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);
}
