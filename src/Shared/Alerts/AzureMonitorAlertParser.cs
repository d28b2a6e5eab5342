using System.Text.Json;
using static AutoResponder.Alerts.JsonFields;

namespace AutoResponder.Alerts;

/// <summary>
/// Azure Monitor action-group webhooks in the common alert schema
/// (<c>{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{…},"alertContext":{…}}}</c>):
/// metric (static, dynamic, availability), log search V1/V2, activity log (administrative, policy, autoscale,
/// security, recommendation, service health, resource health), smart detection, managed Prometheus and Cost
/// Management budgets (actual and forecasted, which carry no alertRule, severity, signalType or monitorCondition:
/// the budget name is the rule, the severity is the default and the alert is firing). One payload is one alert.
/// </summary>
internal sealed class AzureMonitorAlertParser : IAlertParser
{
    public const string CommonSchemaId = "azureMonitorCommonAlertSchema";
    private const string SourceName = "azure-monitor";

    private static readonly string[] EssentialLabels =
        ["signalType", "monitoringService", "targetResourceType", "targetResourceGroup", "alertRuleID", "originAlertId",
            "investigationLink"];

    public string Format => SourceName;

    /// <summary>A root with a "schemaId", or with data.essentials (an Azure Monitor payload of any schema).</summary>
    public bool CanParse(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && (Prop(root, "schemaId") is not null
            || (Object(root, "data") is { } data && Object(data, "essentials") is not null));

    public IReadOnlyList<Alert> Parse(JsonElement root)
    {
        RequireCommonSchema(root);
        var data = Object(root, "data") ?? throw AlertPayloadException.Missing("data");
        var essentials = Object(data, "essentials") ?? throw AlertPayloadException.Missing("data.essentials");
        var context = Object(data, "alertContext") ?? default;

        RequireShape(data, essentials);
        var kind = AzureSignalKinds.Detect(essentials, context);
        var budget = kind == AzureSignalKind.CostBudget ? Object(context, "AlertData") ?? default : (JsonElement?)null;

        var alertId = RequiredString(essentials, "alertId", "data.essentials.alertId");
        var rule = budget is { } b
            ? OptionalString(essentials, "alertRule", "data.essentials.alertRule") ?? Text(b, "BudgetName")
                ?? "Cost budget"
            : RequiredString(essentials, "alertRule", "data.essentials.alertRule");
        var severity = budget is not null && Prop(essentials, "severity") is null
            ? SeverityMap.Default : ParseSeverity(essentials);
        var status = budget is not null && Prop(essentials, "monitorCondition") is null
            ? AlertStatus.Firing : ParseStatus(essentials);
        var startsAt = ParseDate(RequiredString(essentials, "firedDateTime", "data.essentials.firedDateTime"),
            "data.essentials.firedDateTime");
        var resolved = OptionalString(essentials, "resolvedDateTime", "data.essentials.resolvedDateTime");

        var headline = AzureAlertContextSummary.Headline(kind, context);
        return
        [
            new Alert
            {
                Source = SourceName,
                SourceAlertId = alertId,
                Fingerprint = "azmon:" + alertId,
                Title = AlertLimits.Shorten(headline is null || headline == rule ? rule : $"{rule}: {headline}",
                    AlertLimits.MaxTitle),
                Description = AlertLimits.ShortenOrNull(JoinLines(OptionalString(essentials, "description",
                    "data.essentials.description"),
                                        AzureAlertContextSummary.Summarise(kind, context)), AlertLimits.MaxDescription),
                Severity = severity,
                Status = status,
                StartsAt = startsAt,
                EndsAt = resolved is null ? null : ParseDate(resolved, "data.essentials.resolvedDateTime"),
                Service = budget is { } scope && Text(scope, "Scope") is { } s
                    ? s.TrimEnd('/').ToLowerInvariant() : ParseService(essentials),
                Rule = rule,
                Labels = BuildLabels(essentials, context, kind),
                Links = BuildLinks(essentials, context, kind),
            },
        ];
    }

    private static void RequireCommonSchema(JsonElement root)
    {
        // data.essentials present without schemaId: treat as common schema
        if (Text(root, "schemaId") is not { } schemaId) return;
        if (!string.Equals(schemaId, CommonSchemaId, StringComparison.OrdinalIgnoreCase))
            throw new AlertPayloadException(400, "schemaId",
                $"Unsupported Azure Monitor schemaId '{schemaId}': only '{CommonSchemaId}' is accepted. " +
                "Enable the common alert schema on the action group's webhook action (useCommonAlertSchema: true).");
    }

    /// <summary>
    /// Documented types: data, essentials and alertContext objects; alertTargetIDs and configurationItems arrays of
    /// strings.
    /// </summary>
    private static void RequireShape(JsonElement data, JsonElement essentials)
    {
        if (Prop(data, "alertContext") is { ValueKind: not JsonValueKind.Object })
            throw AlertPayloadException.Invalid("data.alertContext", "'data.alertContext' must be an object.");
        foreach (var name in new[] { "alertTargetIDs", "configurationItems" })
        {
            var path = $"data.essentials.{name}";
            if (Prop(essentials, name) is not { } value) continue;
            if (value.ValueKind != JsonValueKind.Array)
                throw AlertPayloadException.Invalid(path, $"'{path}' must be an array of strings.");
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    throw AlertPayloadException.Invalid($"{path}[{i}]", $"'{path}[{i}]' must be a string.");
                i++;
            }
        }
    }

    private static Severity ParseSeverity(JsonElement essentials)
    {
        const string path = "data.essentials.severity";
        var value = RequiredString(essentials, "severity", path);
        return SeverityMap.FromAzureMonitor(value)
            ?? throw AlertPayloadException.Invalid(path,
                $"Unknown Azure Monitor severity '{value}': expected Sev0, Sev1, Sev2, Sev3 or Sev4.");
    }

    private static AlertStatus ParseStatus(JsonElement essentials)
    {
        const string path = "data.essentials.monitorCondition";
        var value = RequiredString(essentials, "monitorCondition", path);
        return value.ToLowerInvariant() switch
        {
            "fired" => AlertStatus.Firing,
            "resolved" => AlertStatus.Resolved,
            _ => throw AlertPayloadException.Invalid(path,
                $"Unknown monitorCondition '{value}': expected Fired or Resolved."),
        };
    }

    private static string? ParseService(JsonElement essentials)
    {
        var target = Array(essentials, "alertTargetIDs")?.EnumerateArray().Select(Text)
            .FirstOrDefault(t => t is not null);
        if (target is not null) return target.ToLowerInvariant();
        return Array(essentials, "configurationItems")?.EnumerateArray().Select(Text)
            .FirstOrDefault(t => t is not null);
    }

    private static Dictionary<string, string> BuildLabels(JsonElement essentials, JsonElement context,
        AzureSignalKind kind)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in EssentialLabels)
        {
            if (Text(essentials, name) is { } value) labels[name] = value;
        }
        if (Text(context, "conditionType") is { } conditionType) labels["conditionType"] = conditionType;
        if (kind == AzureSignalKind.Prometheus)
        {
            foreach (var (name, value) in StringMap(Object(context, "labels"))) labels.TryAdd(name, value);
        }
        if (kind == AzureSignalKind.CostBudget && Object(context, "AlertData") is { } budget)
        {
            foreach (var (label, field) in new[] { ("budgetName", "BudgetName"), ("thresholdType", "ThresholdType"), ("budgetType", "BudgetType"), ("budgetId", "BudgetId") })
                if (Text(budget, field) is { } value) labels[label] = value;
        }
        return labels;
    }

    private static IReadOnlyList<AlertLink> BuildLinks(JsonElement essentials, JsonElement context,
        AzureSignalKind kind)
    {
        var links = new AlertLinkList().Add("Investigate in Azure Monitor", Text(essentials, "investigationLink"));
        switch (kind)
        {
            case AzureSignalKind.LogSearchV1:
                links.Add("Search results", Text(context, "LinkToSearchResults"))
                     .Add("Filtered search results", Text(context, "LinkToFilteredSearchResultsUI"));
                break;
            case AzureSignalKind.LogSearchV2:
                if (Object(context, "condition") is not { } condition || Array(condition, "allOf") is not { } allOf)
                    break;
                foreach (var criterion in allOf.EnumerateArray())
                {
                    links.Add("Search results", Text(criterion, "linkToSearchResultsUI"))
                         .Add("Filtered search results", Text(criterion, "linkToFilteredSearchResultsUI"));
                }
                break;
            case AzureSignalKind.Prometheus:
                links.Add("Runbook", Text(Object(context, "annotations") ?? default, "runbook_url"));
                break;
            case AzureSignalKind.ActivityLog:
                links.Add("Recommendation",
                    Text(Object(context, "properties") ?? default, "recommendationResourceLink"));
                break;
        }
        return links.ToList();
    }

    private static string? JoinLines(params string?[] parts)
    {
        var present = parts.Where(p => !string.IsNullOrWhiteSpace(p)).ToArray();
        return present.Length == 0 ? null : string.Join('\n', present);
    }
}
