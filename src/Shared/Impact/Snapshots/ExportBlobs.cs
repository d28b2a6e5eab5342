using AutoResponder.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

/// <summary>
/// The private container of export blobs (AutoResponder:Impact:ExportContainer, prefixed). Nothing outside the app
/// reads it: people download an export through GET /api/incidents/{id}/impact/snapshots/{snapshot}/export.
/// </summary>
public sealed class ExportBlobs(StorageClients storage, IOptions<ImpactOptions> options)
{
    public BlobContainerClient Container => storage.Container(options.Value.ExportContainer);

    /// <summary>The blob's content as a stream (read as it is sent), or null when the blob no longer exists.</summary>
    public async Task<BlobDownloadStreamingResult?> OpenAsync(string blobName, CancellationToken ct)
    {
        try
        {
            return (await Container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: ct)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404) { return null; }
    }
}
