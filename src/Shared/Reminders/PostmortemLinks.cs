using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using AutoResponder.Storage;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Reminders;

/// <summary>
/// Read-only, time-limited links to postmortem drafts (container "postmortems" stays private). Signed like the
/// impact exports (Impact/Snapshots/ExportLinks, which is bound to the export container): with the account key
/// when the client has one (Azurite), else with a user-delegation key (the managed identity's Storage Blob
/// Delegator right). A user-delegation SAS lives at most 7 days, so every reminder signs a fresh link rather
/// than reusing the one made at resolution.
/// </summary>
public sealed class PostmortemLinks(StorageClients storage, TimeProvider time, ILogger<PostmortemLinks> log)
{
    public const string ContainerName = "postmortems";
    /// <summary>How long a link stays valid: just under the 7-day limit of a user-delegation key.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    public BlobContainerClient Container => storage.Container(ContainerName);

    /// <summary>A read link valid for <see cref="Validity"/>; the plain (private) blob URL when signing fails, so a reminder still goes out.</summary>
    public async Task<string> ReadLinkAsync(string blobName, CancellationToken ct)
    {
        var blob = Container.GetBlobClient(blobName);
        var expiresAt = time.GetUtcNow() + Validity;
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresAt)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri) return blob.GenerateSasUri(sas).ToString();
        try
        {
            var key = await DelegationKeyAsync(expiresAt, ct);
            return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key, storage.Blobs.AccountName) }.ToUri().ToString();
        }
        catch (RequestFailedException e)
        {
            log.LogWarning(e, "Could not sign a link to the postmortem draft {Blob} (does the identity have Storage Blob Delegator?); sending the plain URL", blobName);
            return blob.Uri.ToString();
        }
    }

    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset expiresAt, CancellationToken ct)
    {
        await _keyLock.WaitAsync(ct);
        try
        {
            if (_key is { } cached && cached.SignedExpiresOn >= expiresAt) return cached;
            var now = time.GetUtcNow();
            _key = (await storage.Blobs.GetUserDelegationKeyAsync(now.AddMinutes(-5), now.AddDays(7), ct)).Value;
            return _key;
        }
        finally { _keyLock.Release(); }
    }
}
