using Azure.Storage.Blobs;
using AutoResponder.Storage;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact.Snapshots;

/// <summary>Read-only, time-limited links to export blobs (the container stays private; see <see cref="BlobReadLinks"/>).</summary>
public sealed class ExportLinks(StorageClients storage, BlobReadLinks links, IOptions<ImpactOptions> options)
{
    public BlobContainerClient Container => storage.Container(options.Value.ExportContainer);

    public DateTimeOffset DefaultExpiry() => BlobReadLinks.StorageClock.GetUtcNow().AddHours(options.Value.ExportLinkHours);

    public Task<Uri> CreateReadLinkAsync(string blobName, DateTimeOffset expiresAt, CancellationToken ct) =>
        links.CreateAsync(Container.GetBlobClient(blobName), expiresAt, ct);
}
