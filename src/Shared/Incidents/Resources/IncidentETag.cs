using System.Security.Cryptography;
using System.Text;

namespace AutoResponder.Incidents.Resources;

internal static class IncidentETag
{
    /// <summary>
    /// The incident's HTTP entity tag: a strong tag derived from the incident row's version, so it changes with
    /// every change of the incident's own state (status, owner, severity, status update, alert counts — what people
    /// act on and If-Match protects) and does not reveal the storage value. What features record in the background
    /// (Teams thread, emails sent, impact, reminders, action counts) lives in their own rows and does not move it, so
    /// background work never spoils an If-Match.
    /// </summary>
    public static string Of(IncidentRecord incident)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{incident.Id}\n{incident.ETag}"), digest);
        return $"\"{Convert.ToHexStringLower(digest[..12])}\"";
    }
}
