using System.Reflection;
using System.Text;
using AutoResponder.Graph;
using AutoResponder.Tests.Infrastructure;
using Azure.Core;
using Azure.Identity;

namespace AutoResponder.Tests.Graph;

/// <summary>The service account's sign-in as the hosts see it: record and token cache in Blob storage (Azurite).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class GraphSignInTests(AzuriteFixture azurite)
{
    private const string ClientId = "6f1d2b1c-8a7e-4c59-9d0e-0d5b8c1f2a33";

    private Task<TestApp> StartLiveAsync() => TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["AutoResponder:Graph:TenantId"] = "contoso.onmicrosoft.com",
        ["AutoResponder:Graph:ClientId"] = ClientId,
        ["AutoResponder:Teams:TeamId"] = "team-1",
        ["AutoResponder:Teams:ChannelId"] = "chan-1",
    });

    private static async Task<AuthenticationRecord> RecordAsync(string clientId)
    {
        var json = $$"""{"username":"svc-autoresponder@contoso.com","authority":"login.microsoftonline.com","homeAccountId":"uid.utid","tenantId":"contoso-tenant","clientId":"{{clientId}}","version":"1.0"}""";
        return await AuthenticationRecord.DeserializeAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public async Task Without_a_stored_sign_in_the_hosts_credential_names_the_login_command()
    {
        await using var app = await StartLiveAsync();
        Assert.True(app.Get<GraphClients>().IsLive);

        var error = await Assert.ThrowsAsync<CredentialUnavailableException>(async () =>
            await app.Get<IGraphCredentials>().Delegated.GetTokenAsync(new TokenRequestContext(["https://graph.microsoft.com/.default"]), default));

        Assert.Contains("autoresponder graph login", error.Message);
        Assert.True(GraphErrors.IsSignInRequired(error));
    }

    [Fact]
    public async Task The_authentication_record_round_trips_through_blob_storage_and_must_match_the_client_id()
    {
        await using var app = await StartLiveAsync();
        var store = app.Get<GraphSignInStore>();
        Assert.Null(await store.LoadRecordAsync(default));

        await store.SaveRecordAsync(await RecordAsync(Guid.Empty.ToString()), default);
        var loaded = await store.LoadRecordAsync(default);

        Assert.Equal("svc-autoresponder@contoso.com", loaded!.Username);
        Assert.StartsWith(app.Prefix.ToLowerInvariant() + "-graph-auth", store.Container.Name);
        var error = await Assert.ThrowsAsync<CredentialUnavailableException>(async () =>
            await app.Get<ServiceAccountCredential>().GetTokenAsync(new TokenRequestContext(["x"]), default));
        Assert.Contains("ClientId", error.Message);

        await store.DeleteAsync(default);
        Assert.Null(await store.LoadRecordAsync(default));
    }

    [Fact]
    public async Task The_token_cache_is_shared_between_hosts_through_the_blob_and_CAE_is_kept_apart()
    {
        await using var app = await StartLiveAsync();
        var store = app.Get<GraphSignInStore>();
        var hostA = new BlobTokenCache(store);
        var hostB = new BlobTokenCache(store);

        Assert.True((await RefreshAsync(hostB)).IsEmpty); // nothing signed in yet

        await UpdatedAsync(hostA, "cache-v1", cae: false);
        await UpdatedAsync(hostA, "cae-cache", cae: true);
        Assert.Equal("cache-v1", Encoding.UTF8.GetString((await RefreshAsync(hostB)).Span));

        await UpdatedAsync(hostA, "cache-v2", cae: false); // e.g. a refreshed token written by another instance
        Assert.Equal("cache-v2", Encoding.UTF8.GetString((await RefreshAsync(hostB)).Span));
        Assert.Equal("cache-v2", Encoding.UTF8.GetString((await RefreshAsync(hostB)).Span)); // unchanged: served from the 304 path

        var cae = await store.Container.GetBlobClient(GraphSignInStore.CacheBlob(true)).DownloadContentAsync();
        Assert.Equal("cae-cache", cae.Value.Content.ToString());
    }

    private static async Task<ReadOnlyMemory<byte>> RefreshAsync(BlobTokenCache cache)
    {
        var method = typeof(BlobTokenCache).GetMethod("RefreshCacheAsync", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes)!;
        return await (Task<ReadOnlyMemory<byte>>)method.Invoke(cache, null)!;
    }

    private static async Task UpdatedAsync(BlobTokenCache cache, string bytes, bool cae)
    {
        var args = (TokenCacheUpdatedArgs)Activator.CreateInstance(typeof(TokenCacheUpdatedArgs), BindingFlags.Instance | BindingFlags.NonPublic, null,
            [new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(bytes)), cae], null)!;
        var method = typeof(BlobTokenCache).GetMethod("TokenCacheUpdatedAsync", BindingFlags.Instance | BindingFlags.NonPublic)!;
        await (Task)method.Invoke(cache, [args])!;
    }
}
