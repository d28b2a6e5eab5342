using Azure;
using Azure.Storage.Blobs;
using AutoResponder.Storage;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Reminders;

/// <summary>
/// Read-only, time-limited links to postmortem drafts (container "postmortems" stays private; see
/// <see cref="BlobReadLinks"/>). A signed link lives at most 7 days, so every reminder signs a fresh one
/// rather than reusing the one made at resolution.
/// </summary>
public sealed class PostmortemLinks(StorageClients storage, BlobReadLinks links, ILogger<PostmortemLinks> log)
{
    public const string ContainerName = "postmortems";
    public static readonly TimeSpan Validity = BlobReadLinks.MaxValidity;

    public BlobContainerClient Container => storage.Container(ContainerName);

    /// <summary>A read link valid for <see cref="Validity"/>; the plain (private) blob URL when signing fails, so a reminder still goes out.</summary>
    public async Task<string> ReadLinkAsync(string blobName, CancellationToken ct)
    {
        var blob = Container.GetBlobClient(blobName);
        try
        {
            return (await links.CreateAsync(blob, BlobReadLinks.StorageClock.GetUtcNow() + Validity, ct)).ToString();
        }
        catch (RequestFailedException e)
        {
            log.LogWarning(e, "Could not sign a link to the postmortem draft {Blob} (does the identity have Storage Blob Delegator?); sending the plain URL", blobName);
            return blob.Uri.ToString();
        }
    }
}
