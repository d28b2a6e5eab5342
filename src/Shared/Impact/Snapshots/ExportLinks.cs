using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using AutoResponder.Storage;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact.Snapshots;

/// <summary>
/// Read-only, time-limited links to export blobs. With a shared key (Azurite, or an account that still allows
/// keys) the blob client signs an account-key SAS itself; in Azure, where shared keys are off, it asks for a
/// user-delegation key (the managed identity needs "Storage Blob Delegator" on the account, which Storage Blob
/// Data Contributor includes) and signs with that. The container stays private either way.
/// </summary>
public sealed class ExportLinks(StorageClients storage, IOptions<ImpactOptions> options, TimeProvider time)
{
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    public BlobContainerClient Container => storage.Container(options.Value.ExportContainer);

    public DateTimeOffset DefaultExpiry() => time.GetUtcNow().AddHours(options.Value.ExportLinkHours);

    public async Task<Uri> CreateReadLinkAsync(string blobName, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var blob = Container.GetBlobClient(blobName);
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresAt)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri) return blob.GenerateSasUri(sas);

        var key = await DelegationKeyAsync(expiresAt, ct);
        var query = sas.ToSasQueryParameters(key, storage.Blobs.AccountName);
        return new BlobUriBuilder(blob.Uri) { Sas = query }.ToUri();
    }

    /// <summary>One user-delegation key, reused while it outlives the link (a key lives at most 7 days).</summary>
    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset expiresAt, CancellationToken ct)
    {
        await _keyLock.WaitAsync(ct);
        try
        {
            if (_key is { } cached && cached.SignedExpiresOn >= expiresAt) return cached;
            var now = time.GetUtcNow();
            var keyExpiry = now.AddDays(7).AddMinutes(-5);
            if (keyExpiry < expiresAt) keyExpiry = expiresAt;
            _key = (await storage.Blobs.GetUserDelegationKeyAsync(now.AddMinutes(-5), keyExpiry, ct)).Value;
            return _key;
        }
        finally { _keyLock.Release(); }
    }
}
