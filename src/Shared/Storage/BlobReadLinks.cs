using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace AutoResponder.Storage;

/// <summary>
/// Read-only, time-limited links to blobs in private containers (impact exports, postmortem drafts). With a
/// shared key (Azurite, or an account that still allows keys) the blob client signs an account-key SAS itself;
/// in Azure, where shared keys are off, a user-delegation key signs it (the managed identity needs "Storage
/// Blob Delegator", which Storage Blob Data Contributor/Owner include). A user-delegation SAS lives at most
/// 7 days.
/// Storage checks a link's expiry against its own (real) clock, never the app's <see cref="TimeProvider"/>, so
/// links are signed against <see cref="StorageClock"/>: a link signed under a test's fake clock would otherwise
/// be born expired (or valid for years).
/// </summary>
public sealed class BlobReadLinks(StorageClients storage)
{
    /// <summary>The clock storage checks signed links against.</summary>
    public static TimeProvider StorageClock { get; } = TimeProvider.System;

    /// <summary>The longest a link can live when signed with a user-delegation key.</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    public async Task<Uri> CreateAsync(BlobClient blob, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresAt)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri) return blob.GenerateSasUri(sas);

        var key = await DelegationKeyAsync(expiresAt, ct);
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key, storage.Blobs.AccountName) }.ToUri();
    }

    /// <summary>One user-delegation key, reused while it outlives the link.</summary>
    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset expiresAt, CancellationToken ct)
    {
        await _keyLock.WaitAsync(ct);
        try
        {
            if (_key is { } cached && cached.SignedExpiresOn >= expiresAt) return cached;
            var now = StorageClock.GetUtcNow();
            var keyExpiry = now.AddDays(7).AddMinutes(-5);
            if (keyExpiry < expiresAt) keyExpiry = expiresAt;
            _key = (await storage.Blobs.GetUserDelegationKeyAsync(now.AddMinutes(-5), keyExpiry, ct)).Value;
            return _key;
        }
        finally { _keyLock.Release(); }
    }
}
