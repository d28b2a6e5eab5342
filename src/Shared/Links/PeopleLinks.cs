using AutoResponder.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.Links;

/// <summary>
/// The links that messages (Teams, e-mail) and the timeline give people: the incident's console page and the
/// authenticated API routes that serve customer data and drafts. Absolute under <c>AutoResponder:PublicBaseUrl</c>,
/// the path alone without it. Never a signed storage link: whoever follows one signs in first, and what a link
/// opens can be withdrawn by revoking the person, not by waiting for a signature to expire.
/// </summary>
public sealed class PeopleLinks(IOptions<AutoResponderOptions> options)
{
    private readonly string? _base = string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl)
        ? null : options.Value.PublicBaseUrl.Trim().TrimEnd('/');

    /// <summary>
    /// GET: the CSV of one impact snapshot (roles ops or responder; every download is on the timeline).
    /// </summary>
    public static string ExportPath(string incidentId, string snapshotId) =>
        $"/api/incidents/{Uri.EscapeDataString(incidentId)}/impact/snapshots/{Uri.EscapeDataString(snapshotId)}/export";

    /// <summary>GET: the latest postmortem draft (Markdown; any role).</summary>
    public static string PostmortemDraftPath(string incidentId)
        => $"/api/incidents/{Uri.EscapeDataString(incidentId)}/postmortem/draft";

    public string Export(string incidentId, string snapshotId) => Absolute(ExportPath(incidentId, snapshotId));

    public string PostmortemDraft(string incidentId) => Absolute(PostmortemDraftPath(incidentId));

    /// <summary>The incident's console page (optionally at a section).</summary>
    public string IncidentPage(string incidentId, string? section = null)
        => Absolute(ConsolePaths.Incident(incidentId) + (section is null ? "" : "#" + section));

    /// <summary>
    /// True when links are absolute (a public base URL is configured), so a mail client can open them.
    /// </summary>
    public bool AreAbsolute => _base is not null;

    private string Absolute(string path) => _base is null ? path : _base + path;
}
