namespace AutoResponder.Links;

/// <summary>
/// The console page paths that links point to (messages, e-mails, the timeline). The console's own routes
/// (<c>WebConsole.ConsoleRoutes</c>) use the same paths.
/// </summary>
internal static class ConsolePaths
{
    /// <summary>The incident's console page.</summary>
    public static string Incident(string id) => $"/incidents/{Uri.EscapeDataString(id)}";
}
