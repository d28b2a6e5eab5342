using AutoResponder.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace AutoResponder.Reminders;

/// <summary>
/// The private container of postmortem drafts ("postmortems", prefixed): one blob per resolution,
/// {incidentId}/draft-{resolvedAt:yyyyMMdd-HHmmss}.md. Nothing outside the app reads it: people read the latest draft
/// through GET /api/incidents/{id}/postmortem/draft.
/// </summary>
internal sealed class PostmortemDraftBlobs(StorageClients storage)
{
    public const string ContainerName = "postmortems";

    public BlobContainerClient Container => storage.Container(ContainerName);

    public static string NameFor(string incidentId, DateTimeOffset resolvedAt)
        => $"{incidentId}/draft-{resolvedAt.UtcDateTime:yyyyMMdd-HHmmss}.md";

    /// <summary>
    /// The latest draft of the incident (the names sort by resolution time), opened as a stream; null when there is
    /// none.
    /// </summary>
    public async Task<BlobDownloadStreamingResult?> OpenLatestAsync(string incidentId, CancellationToken ct)
    {
        string? latest = null;
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{incidentId}/draft-",
            ct))
            if (latest is null || string.CompareOrdinal(item.Name, latest) > 0) latest = item.Name;
        if (latest is null) return null;
        try
        {
            return (await Container.GetBlobClient(latest).DownloadStreamingAsync(cancellationToken: ct)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404) { return null; }
    }
}
