using System.Globalization;
using AutoResponder.Http;
using AutoResponder.Incidents;

namespace AutoResponder.WebConsole;

/// <summary>The console's paths, in one place: both hosts map them (Functions: src/Functions/Console; standalone: StandaloneHost).</summary>
public static class ConsoleRoutes
{
    public const string List = "/incidents";
    public const string Rows = "/console/rows";
    public const string SignIn = "/sign-in";
    public const string SignOut = "/sign-out";

    public static string Incident(string id) => $"/incidents/{Uri.EscapeDataString(id)}";
    public static string Action(string id, string action) => $"/incidents/{Uri.EscapeDataString(id)}/{action}";
    public static string Export(string id, string snapshot) =>
        $"/api/incidents/{Uri.EscapeDataString(id)}/impact/snapshots/{Uri.EscapeDataString(snapshot)}/export";
    public static string Asset(string name) => $"/console/assets/{name}";

    /// <summary>The list's query string for these filters and cursor (empty parts left out), starting with "?" when there is one.</summary>
    public static string Query(IncidentFilter filter, string? cursor)
    {
        var parts = new List<string>();
        if (filter.Statuses.Count > 0) parts.Add("status=" + string.Join(',', filter.Statuses.Order().Select(s => s.ToApi())));
        if (filter.Severities.Count > 0) parts.Add("severity=" + string.Join(',', filter.Severities.Order()));
        if (!string.IsNullOrEmpty(filter.Service)) parts.Add("service=" + Uri.EscapeDataString(filter.Service));
        if (filter.Since is { } since) parts.Add("since=" + Uri.EscapeDataString(since.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
        if (cursor is not null) parts.Add("cursor=" + Uri.EscapeDataString(cursor));
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
