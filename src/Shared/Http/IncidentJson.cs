using System.Text.Json;
using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Outbox;

namespace AutoResponder.Http;

/// <summary>The incident as the API returns it.</summary>
public static class IncidentJson
{
    public sealed record TimelineItem(DateTimeOffset At, string Kind, string Actor, string Text);
    public sealed record AlertItem(string Fingerprint, string Source, string SourceAlertId, string Title, string Severity, string Status,
        DateTimeOffset StartsAt, DateTimeOffset? EndsAt, DateTimeOffset LastSeenAt, string? Service, string? Rule);
    public sealed record ActionItem(string Id, string Kind, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt,
        DateTimeOffset? CompletedAt, string? LastError, string? Result);

    public sealed record Summary(string Id, string Title, string Severity, string Status, string? Owner, string? Service, string? Rule, string? Source,
        int AlertCount, int FiringAlertCount, DateTimeOffset OpenedAt, DateTimeOffset? FirstAlertAt, DateTimeOffset? LastAlertAt,
        DateTimeOffset? AcknowledgedAt, DateTimeOffset? MitigatedAt, DateTimeOffset? ResolvedAt, DateTimeOffset? ClosedAt,
        string? StatusText, string? NextSteps, DateTimeOffset? Eta, DateTimeOffset? StatusUpdatedAt,
        IReadOnlyList<AlertLink> Links, IReadOnlyDictionary<string, string> Effects);

    public sealed record Details(Summary Incident, IReadOnlyList<TimelineItem> Timeline, IReadOnlyList<AlertItem> Alerts, IReadOnlyList<ActionItem> Actions);

    public static Summary ToSummary(IncidentRecord i) => new(
        i.Id, i.Title, i.SeverityName, i.Status.ToApi(), i.Owner, i.Service, i.Rule, i.Source,
        i.AlertCount, i.FiringAlertCount, i.OpenedAt, i.FirstAlertAt, i.LastAlertAt,
        i.AcknowledgedAt, i.MitigatedAt, i.ResolvedAt, i.ClosedAt, i.StatusText, i.NextSteps, i.Eta, i.StatusUpdatedAt,
        string.IsNullOrEmpty(i.LinksJson) ? [] : JsonSerializer.Deserialize<List<AlertLink>>(i.LinksJson, JsonSerializerOptions.Web) ?? [],
        IncidentStore.ReadEffects(i));

    /// <summary>The full incident: its fields at the top level plus timeline, alerts and outbox actions.</summary>
    public static object ToDetails(IncidentDetails d)
    {
        var json = JsonSerializer.SerializeToNode(ToSummary(d.Incident), ApiResult.Json)!.AsObject();
        json["timeline"] = JsonSerializer.SerializeToNode(d.Timeline.OrderBy(t => t.RowKey, StringComparer.Ordinal).Select(t => new TimelineItem(t.At, t.Kind, t.Actor, t.Text)), ApiResult.Json);
        json["alerts"] = JsonSerializer.SerializeToNode(d.Alerts.Select(a => new AlertItem(a.Fingerprint, a.Source, a.SourceAlertId, a.Title, a.SeverityName,
            a.StatusName.ToLowerInvariant(), a.StartsAt, a.EndsAt, a.LastSeenAt, a.Service, a.Rule)), ApiResult.Json);
        json["actions"] = JsonSerializer.SerializeToNode(d.Actions.Select(a => new ActionItem(a.Id, a.Kind, a.StatusName.ToLowerInvariant(), a.Attempts,
            a.CreatedAt, a.NextAttemptAt, a.CompletedAt, a.LastError, a.Result)), ApiResult.Json);
        return json;
    }
}
