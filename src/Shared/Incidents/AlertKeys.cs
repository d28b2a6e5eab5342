using System.Text.Json;
using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Storage;

namespace AutoResponder.Incidents;

/// <summary>
/// The keys one alert is filed under, all hashed to be table-safe:
/// <see cref="Dedup"/> (sender's dedup key or fingerprint: which incident it belongs to),
/// <see cref="Group"/> (grouping key, null when grouping is off or the alert has none of the fields),
/// <see cref="Alert"/> (the alert inside its incident: its row also tells a redelivery from news, see
/// <see cref="AlertRowState.Judge"/>).
/// </summary>
public sealed record AlertKeys(string Dedup, string? Group, string Alert)
{
    public static AlertKeys For(Alert alert, GroupingOptions grouping) => new(
        Keys.Hash($"dedup|{alert.DeduplicationKey}"),
        GroupKey(alert, grouping) is { } g ? Keys.Hash($"group|{g}") : null,
        Keys.Hash($"alert|{alert.Fingerprint}"));

    private static string? GroupKey(Alert alert, GroupingOptions grouping)
    {
        if (!grouping.Enabled) return null;
        // One delivery group of the sender (Alertmanager's groupKey) is one incident.
        if (grouping.ByDeliveryGroup && !string.IsNullOrEmpty(alert.DeliveryGroup))
            return $"delivery:{alert.Source}={alert.DeliveryGroup}";
        var fields = grouping.EffectiveFields;
        var values = fields.Select(field => field.ToLowerInvariant() switch
        {
            "service" => alert.Service,
            "rule" => alert.Rule,
            "source" => alert.Source,
            "severity" => alert.Severity.ToString(),
            var f when f.StartsWith("label:") => alert.Labels.GetValueOrDefault(field[6..]),
            _ => null,
        }).ToList();
        return values.All(string.IsNullOrEmpty)
            ? null : string.Join('\u001f',
            fields.Zip(values, (f, v) => $"{f.ToLowerInvariant()}={v?.ToLowerInvariant()}"));
    }

    /// <summary>
    /// The alert's row after this delivery, to be written under the ETag of <paramref name="known"/> (its row before;
    /// null: added). It keeps the newest occurrence's start and counts firings.
    /// </summary>
    public AlertRecord ToRecord(string incidentId, Alert alert, DateTimeOffset now, AlertRowState? known) => new()
    {
        PartitionKey = incidentId,
        ETag = known?.ETag ?? default,
        RowKey = IncidentRows.Alert(Alert),
        Fingerprint = alert.Fingerprint,
        Source = alert.Source,
        SourceAlertId = alert.SourceAlertId,
        Title = alert.Title,
        SeverityName = alert.Severity.ToString(),
        StatusName = alert.Status.ToString(),
        StartsAt = known is { } k && k.StartsAt > alert.StartsAt ? k.StartsAt : alert.StartsAt,
        EndsAt = alert.EndsAt,
        LastSeenAt = now,
        Occurrences = (known?.Occurrences ?? 0) + (alert.Status == AlertStatus.Firing ? 1 : 0),
        Service = alert.Service,
        Rule = alert.Rule,
        LabelsJson = alert.Labels.Count == 0 ? null : JsonSerializer.Serialize(alert.Labels),
    };
}
