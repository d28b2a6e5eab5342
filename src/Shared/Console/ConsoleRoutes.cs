using System.Globalization;
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

    /// <summary>The list's query string (empty parts left out), starting with "?" when there is one.</summary>
    public static string Query(ListQuery q)
    {
        var parts = new List<string>();
        if (q.Statuses.Count > 0) parts.Add("status=" + string.Join(',', q.Statuses.Select(s => s.ToApi())));
        if (q.Severity is { } sev) parts.Add("severity=" + sev);
        if (!string.IsNullOrEmpty(q.Service)) parts.Add("service=" + Uri.EscapeDataString(q.Service));
        if (q.Page > 0) parts.Add("page=" + q.Page.ToString(CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
