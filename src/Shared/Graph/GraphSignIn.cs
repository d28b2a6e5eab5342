using AutoResponder.Hosting;
using AutoResponder.Storage;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Graph;

/// <summary>
/// The service account's sign-in, kept in Blob storage (container "graph-auth", prefixed like every
/// container): the <see cref="AuthenticationRecord"/> written by `autoresponder graph login` and the MSAL
/// token cache (refresh token included, encrypted with AutoResponder:Graph:TokenCacheKey) that every host reads and
/// updates. The record alone is not a secret; the cache is useless without the key the app holds.
/// </summary>
public sealed class GraphSignInStore(StorageClients storage, IntegrationSettings<GraphOptions> settings)
    : IStorageInitializer
{
    public const string RecordBlob = "authentication-record.json";

    public BlobContainerClient Container => storage.Container(settings.Value.SignInContainer);

    public static string CacheBlob(bool cae) => cae ? "token-cache-cae.bin" : "token-cache.bin";

    /// <summary>
    /// Creates the container at start, unless Graph cannot be used (its name may be the broken setting).
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (settings.Ready) await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    public async Task<AuthenticationRecord?> LoadRecordAsync(CancellationToken ct)
    {
        try
        {
            var content = await Container.GetBlobClient(RecordBlob).DownloadContentAsync(ct);
            using var stream = content.Value.Content.ToStream();
            return await AuthenticationRecord.DeserializeAsync(stream, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404) { return null; }
    }

    public async Task SaveRecordAsync(AuthenticationRecord record, CancellationToken ct)
    {
        using var stream = new MemoryStream();
        await record.SerializeAsync(stream, ct);
        stream.Position = 0;
        await Container.CreateIfNotExistsAsync(cancellationToken: ct);
        await Container.GetBlobClient(RecordBlob).UploadAsync(stream, overwrite: true, ct);
    }

    /// <summary>Forgets the sign-in (record and caches): hosts stop getting tokens until the next login.</summary>
    public async Task DeleteAsync(CancellationToken ct)
    {
        foreach (var name in new[] { RecordBlob, CacheBlob(false), CacheBlob(true) })
            await Container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: ct);
    }
}

/// <summary>
/// Azure.Identity token cache persistence whose bytes live in a blob instead of a local file, so the
/// Functions instances and the standalone host share one service-account sign-in. Azure.Identity asks
/// for the bytes before each cache access and hands them back after each change; a conditional download
/// (ETag) keeps the common case to a 304. CAE and non-CAE caches are kept apart, as Azure.Identity does.
/// The blob is encrypted (<see cref="TokenCacheProtector"/>) and every write is conditional: If-Match the version we
/// read (If-None-Match * when there was none). When another instance wrote in between (412/409), we reread it, merge
/// (<see cref="TokenCacheMerge"/>: both instances' tokens kept, the newer access token wins) and write again, so a
/// refresh token another instance just obtained is never overwritten by a stale copy.
/// </summary>
public sealed class BlobTokenCache(GraphSignInStore store, TokenCacheProtector protector, ILogger<BlobTokenCache> log)
    : UnsafeTokenCacheOptions
{
    public const int MaxWriteAttempts = 8;
    /// <summary>What we last read or wrote per cache: its ETag (default: no blob seen) and decrypted bytes.</summary>
    private readonly Dictionary<bool, (ETag ETag, byte[] Bytes)> _copies = [];
    private readonly SemaphoreSlim _lock = new(1, 1);

    protected override async Task<ReadOnlyMemory<byte>> RefreshCacheAsync() => await LoadAsync(cae: false, default);

    protected override async Task<TokenCacheData> RefreshCacheAsync(TokenCacheRefreshArgs args,
        CancellationToken cancellationToken = default) =>
        new(await LoadAsync(args.IsCaeEnabled, cancellationToken));

    protected override async Task TokenCacheUpdatedAsync(TokenCacheUpdatedArgs args)
    {
        var ours = args.UnsafeCacheData.ToArray();
        await _lock.WaitAsync();
        try { await WriteAsync(args.IsCaeEnabled, ours, default); }
        finally { _lock.Release(); }
    }

    private BlobClient Blob(bool cae) => store.Container.GetBlobClient(GraphSignInStore.CacheBlob(cae));

    /// <summary>
    /// Writes <paramref name="bytes"/> under the ETag we know; on a lost race, rereads, merges and tries again.
    /// </summary>
    private async Task WriteAsync(bool cae, byte[] bytes, CancellationToken ct)
    {
        var blob = Blob(cae);
        for (var attempt = 1; ; attempt++)
        {
            var known = _copies.TryGetValue(cae, out var copy) && copy.ETag != default;
            var conditions = known ? new BlobRequestConditions { IfMatch = copy.ETag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                var response = await blob.UploadAsync(BinaryData.FromBytes(protector.Protect(bytes)), new BlobUploadOptions { Conditions = conditions }, ct);
                _copies[cae] = (response.Value.ETag, bytes);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 409 && attempt < MaxWriteAttempts)
            {
                // Another instance wrote the cache since we read it: take its version into ours.
                var (etag, theirs) = await ReadAsync(blob, ct);
                _copies[cae] = (etag, theirs);
                bytes = TokenCacheMerge.Merge(theirs, bytes);
                log.LogInformation(
                    "Graph token cache changed on another instance; merged before writing (attempt {Attempt})",
                    attempt);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 409)
            {
                // Still racing after many rounds: keep the stored version (ours stays in memory and is written on the
                // next change).
                log.LogWarning(e, "Graph token cache not written after {Attempts} attempts under contention; the " +
                    "stored version is kept", attempt);
                return;
            }
        }
    }

    /// <summary>The blob's ETag and decrypted bytes (default ETag and empty when there is none).</summary>
    private async Task<(ETag ETag, byte[] Bytes)> ReadAsync(BlobClient blob, CancellationToken ct)
    {
        try
        {
            var download = await blob.DownloadContentAsync(ct);
            return (download.Value.Details.ETag, Decrypt(download.Value.Content.ToArray(), out _));
        }
        catch (RequestFailedException e) when (e.Status == 404) { return (default, []); }
    }

    private byte[] Decrypt(byte[] stored, out StoredCacheState state)
    {
        (state, var plain) = protector.Unprotect(stored);
        switch (state)
        {
            case StoredCacheState.Plaintext:
                log.LogWarning("The Graph token cache is stored unencrypted (written by an older version); it is " +
                    "encrypted on the next write");
                break;
            case StoredCacheState.PlaintextRefused:
                log.LogError("The Graph token cache is stored unencrypted and {Setting} is off, so it is not used: " +
                    "{Hint} (or turn the setting on once to migrate it)",
                    GraphOptions.Section + ":" + nameof(GraphOptions.AcceptPlaintextTokenCache),
                    ServiceAccountCredential.LoginHint);
                break;
            case StoredCacheState.Unreadable:
                log.LogError(
                    "The Graph token cache cannot be decrypted with {Setting} (rotated key or damaged blob): {Hint}",
                    TokenCacheProtector.Setting, ServiceAccountCredential.LoginHint);
                break;
        }
        return plain;
    }

    private async Task<ReadOnlyMemory<byte>> LoadAsync(bool cae, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var blob = Blob(cae);
            var known = _copies.TryGetValue(cae, out var copy) && copy.ETag != default;
            try
            {
                var download = await blob.DownloadContentAsync(
                    new BlobDownloadOptions { Conditions = known ? new BlobRequestConditions { IfNoneMatch = copy.ETag } : null }, ct);
                // unchanged since we last read it
                if (download.GetRawResponse().Status == 304 && known) return copy.Bytes;
                var bytes = Decrypt(download.Value.Content.ToArray(), out var state);
                _copies[cae] = (download.Value.Details.ETag, bytes);
                if (state == StoredCacheState.Plaintext && bytes.Length > 0)
                    await WriteAsync(cae, bytes, ct); // encrypt a cache an older version left in plain text
                return bytes;
            }
            catch (RequestFailedException e) when (e.Status == 304 && known) { return copy.Bytes; }
            catch (RequestFailedException e) when (e.Status == 404) { _copies.Remove(cae); return ReadOnlyMemory<byte>.Empty; }
        }
        finally { _lock.Release(); }
    }
}

/// <summary>
/// The service account's delegated credential for the hosts: silent only (refresh token from the blob
/// cache), never interactive. No stored sign-in → <see cref="CredentialUnavailableException"/>; an expired
/// or revoked sign-in → <see cref="AuthenticationRequiredException"/>. Either way the fix is
/// `autoresponder graph login`; the next call reloads the record, so a new login heals the hosts.
/// </summary>
public sealed class ServiceAccountCredential(GraphSignInStore store, BlobTokenCache cache,
    IOptions<GraphOptions> options) : TokenCredential
{
    public const string LoginHint = "run `autoresponder graph login` to sign the Graph service account in again";
    private DeviceCodeCredential? _credential;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext,
        CancellationToken cancellationToken)
    {
        var credential = _credential ??= await CreateAsync(cancellationToken);
        try
        {
            return await credential.GetTokenAsync(requestContext, cancellationToken);
        }
        catch (AuthenticationRequiredException)
        {
            _credential = null; // reload the record next time: a new login may have happened meanwhile
            throw;
        }
    }

    private async Task<DeviceCodeCredential> CreateAsync(CancellationToken ct)
    {
        var o = options.Value;
        var record = await store.LoadRecordAsync(ct);
        if (record is null)
            throw new CredentialUnavailableException($"The Graph service account has not signed in yet: {LoginHint}.");
        if (!string.Equals(record.ClientId, o.ClientId, StringComparison.OrdinalIgnoreCase))
            throw new CredentialUnavailableException($"The stored Graph sign-in belongs to client id " +
                $"{record.ClientId}, not {GraphOptions.Section}:ClientId {o.ClientId}: {LoginHint}.");
        return new DeviceCodeCredential(new DeviceCodeCredentialOptions
        {
            TenantId = o.TenantId,
            ClientId = o.ClientId,
            AuthenticationRecord = record,
            DisableAutomaticAuthentication = true,
            TokenCachePersistenceOptions = cache,
        });
    }
}

/// <summary>
/// `autoresponder graph login|status|logout`: the one interactive step, and a check that the hosts can get tokens.
/// </summary>
public sealed class GraphSignIn(GraphSignInStore store, BlobTokenCache cache, IGraphCredentials credentials,
    IntegrationSettings<GraphOptions> settings, ILogger<GraphSignIn> log)
{
    /// <summary>
    /// Runs the device-code flow and stores the authentication record and token cache in Blob storage.
    /// </summary>
    public async Task<AuthenticationRecord> LoginAsync(Func<DeviceCodeInfo, CancellationToken, Task> showCode,
        CancellationToken ct)
    {
        settings.ThrowIfNotReady();
        var o = settings.Value;
        if (o.EffectiveMode != GraphMode.Live)
            throw new InvalidOperationException($"Graph is in file mode: set {GraphOptions.Section}:TenantId and " +
                $"{GraphOptions.Section}:ClientId (or Mode=live) before signing in.");
        await store.EnsureCreatedAsync(ct);
        var credential = new DeviceCodeCredential(new DeviceCodeCredentialOptions
        {
            TenantId = o.TenantId,
            ClientId = o.ClientId,
            DeviceCodeCallback = showCode,
            TokenCachePersistenceOptions = cache,
        });
        var record = await credential.AuthenticateAsync(new TokenRequestContext([.. o.EffectiveDelegatedScopes],
            isCaeEnabled: false), ct);
        await store.SaveRecordAsync(record, ct);
        log.LogInformation("Graph service account {Username} signed in; sign-in stored in container {Container}",
            record.Username, store.Container.Name);
        return record;
    }

    /// <summary>
    /// Gets a token silently, as the hosts do. Returns when it expires; throws what the hosts would see.
    /// </summary>
    public async Task<DateTimeOffset> CheckAsync(CancellationToken ct)
    {
        settings.ThrowIfNotReady();
        var token = await credentials.Delegated.GetTokenAsync(
            new TokenRequestContext([.. settings.Value.EffectiveDelegatedScopes], isCaeEnabled: false), ct);
        return token.ExpiresOn;
    }

    public Task LogoutAsync(CancellationToken ct) => store.DeleteAsync(ct);
}
