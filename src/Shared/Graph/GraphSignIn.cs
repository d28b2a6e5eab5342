using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using AutoResponder.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Graph;

/// <summary>
/// The service account's sign-in, kept in Blob storage (container "graph-auth", prefixed like every
/// container): the <see cref="AuthenticationRecord"/> written by `autoresponder graph login` and the MSAL
/// token cache (refresh token included) that every host reads and updates. Blob access is the secret:
/// grant it only to the hosts and the operators who run the login.
/// </summary>
public sealed class GraphSignInStore(StorageClients storage, IOptions<GraphOptions> options) : IStorageInitializer
{
    public const string RecordBlob = "authentication-record.json";

    public BlobContainerClient Container => storage.Container(options.Value.SignInContainer);

    public static string CacheBlob(bool cae) => cae ? "token-cache-cae.bin" : "token-cache.bin";

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken) =>
        await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

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
/// </summary>
public sealed class BlobTokenCache(GraphSignInStore store) : UnsafeTokenCacheOptions
{
    private readonly Dictionary<bool, (ETag ETag, ReadOnlyMemory<byte> Bytes)> _copies = [];
    private readonly SemaphoreSlim _lock = new(1, 1);

    protected override async Task<ReadOnlyMemory<byte>> RefreshCacheAsync() => await LoadAsync(cae: false, default);

    protected override async Task<TokenCacheData> RefreshCacheAsync(TokenCacheRefreshArgs args, CancellationToken cancellationToken = default) =>
        new(await LoadAsync(args.IsCaeEnabled, cancellationToken));

    protected override async Task TokenCacheUpdatedAsync(TokenCacheUpdatedArgs args)
    {
        var bytes = args.UnsafeCacheData;
        await _lock.WaitAsync();
        try
        {
            var blob = store.Container.GetBlobClient(GraphSignInStore.CacheBlob(args.IsCaeEnabled));
            var response = await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
            _copies[args.IsCaeEnabled] = (response.Value.ETag, bytes);
        }
        finally { _lock.Release(); }
    }

    private async Task<ReadOnlyMemory<byte>> LoadAsync(bool cae, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var blob = store.Container.GetBlobClient(GraphSignInStore.CacheBlob(cae));
            var known = _copies.TryGetValue(cae, out var copy);
            try
            {
                var download = await blob.DownloadContentAsync(
                    new BlobDownloadOptions { Conditions = known ? new BlobRequestConditions { IfNoneMatch = copy.ETag } : null }, ct);
                if (download.GetRawResponse().Status == 304 && known) return copy.Bytes; // unchanged since we last read it
                var bytes = download.Value.Content.ToMemory();
                _copies[cae] = (download.Value.Details.ETag, bytes);
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
public sealed class ServiceAccountCredential(GraphSignInStore store, BlobTokenCache cache, IOptions<GraphOptions> options) : TokenCredential
{
    public const string LoginHint = "run `autoresponder graph login` to sign the Graph service account in again";
    private DeviceCodeCredential? _credential;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
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
            throw new CredentialUnavailableException($"The stored Graph sign-in belongs to client id {record.ClientId}, not {GraphOptions.Section}:ClientId {o.ClientId}: {LoginHint}.");
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

/// <summary>`autoresponder graph login|status|logout`: the one interactive step, and a check that the hosts can get tokens.</summary>
public sealed class GraphSignIn(GraphSignInStore store, BlobTokenCache cache, IGraphCredentials credentials, IOptions<GraphOptions> options, ILogger<GraphSignIn> log)
{
    /// <summary>Runs the device-code flow and stores the authentication record and token cache in Blob storage.</summary>
    public async Task<AuthenticationRecord> LoginAsync(Func<DeviceCodeInfo, CancellationToken, Task> showCode, CancellationToken ct)
    {
        var o = options.Value;
        if (o.EffectiveMode != GraphMode.Live)
            throw new InvalidOperationException($"Graph is in file mode: set {GraphOptions.Section}:TenantId and {GraphOptions.Section}:ClientId (or Mode=live) before signing in.");
        await store.EnsureCreatedAsync(ct);
        var credential = new DeviceCodeCredential(new DeviceCodeCredentialOptions
        {
            TenantId = o.TenantId,
            ClientId = o.ClientId,
            DeviceCodeCallback = showCode,
            TokenCachePersistenceOptions = cache,
        });
        var record = await credential.AuthenticateAsync(new TokenRequestContext([.. o.EffectiveDelegatedScopes], isCaeEnabled: false), ct);
        await store.SaveRecordAsync(record, ct);
        log.LogInformation("Graph service account {Username} signed in; sign-in stored in container {Container}", record.Username, store.Container.Name);
        return record;
    }

    /// <summary>Gets a token silently, as the hosts do. Returns when it expires; throws what the hosts would see.</summary>
    public async Task<DateTimeOffset> CheckAsync(CancellationToken ct)
    {
        var token = await credentials.Delegated.GetTokenAsync(new TokenRequestContext([.. options.Value.EffectiveDelegatedScopes], isCaeEnabled: false), ct);
        return token.ExpiresOn;
    }

    public Task LogoutAsync(CancellationToken ct) => store.DeleteAsync(ct);
}
