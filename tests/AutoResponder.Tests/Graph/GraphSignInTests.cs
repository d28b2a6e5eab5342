using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
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
    private const string Key = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="; // 32 bytes, base64
    private const string OtherKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    /// <summary>One instance's token cache, with the app's Graph settings (its own key when <paramref name="key"/> is given).</summary>
    private static BlobTokenCache Host(TestApp app, string? key = null) => new(app.Get<GraphSignInStore>(),
        new TokenCacheProtector(Microsoft.Extensions.Options.Options.Create(new GraphOptions
        {
            TokenCacheKey = key ?? Key,
            AcceptPlaintextTokenCache = app.Get<Microsoft.Extensions.Options.IOptions<GraphOptions>>().Value.AcceptPlaintextTokenCache,
        })),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<BlobTokenCache>.Instance);

    /// <summary>An MSAL cache as Azure.Identity hands it over: sections of entries keyed by cache key.</summary>
    private static string MsalCache(string refreshKey, string refreshSecret, long accessCachedAt) => new JsonObject
    {
        ["AccessToken"] = new JsonObject { ["at-key"] = new JsonObject { ["secret"] = $"access-{accessCachedAt}", ["cached_at"] = accessCachedAt.ToString() } },
        ["RefreshToken"] = new JsonObject { [refreshKey] = new JsonObject { ["secret"] = refreshSecret } },
        ["Account"] = new JsonObject(),
    }.ToJsonString();

    private Task<TestApp> StartLiveAsync(bool acceptPlaintext = false) => TestApp.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["AutoResponder:Graph:TenantId"] = "contoso.onmicrosoft.com",
        ["AutoResponder:Graph:TokenCacheKey"] = Key,
        ["AutoResponder:Graph:ClientId"] = ClientId,
        ["AutoResponder:Graph:AcceptPlaintextTokenCache"] = acceptPlaintext ? "true" : null,
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
        var hostA = Host(app);
        var hostB = Host(app);

        Assert.True((await RefreshAsync(hostB)).IsEmpty); // nothing signed in yet

        await UpdatedAsync(hostA, "cache-v1", cae: false);
        await UpdatedAsync(hostA, "cae-cache", cae: true);
        Assert.Equal("cache-v1", Encoding.UTF8.GetString((await RefreshAsync(hostB)).Span));

        await UpdatedAsync(hostA, "cache-v2", cae: false); // e.g. a refreshed token written by another instance
        Assert.Equal("cache-v2", Encoding.UTF8.GetString((await RefreshAsync(hostB)).Span));
        Assert.Equal("cache-v2", Encoding.UTF8.GetString((await RefreshAsync(hostB)).Span)); // unchanged: served from the 304 path

        var cae = await store.Container.GetBlobClient(GraphSignInStore.CacheBlob(true)).DownloadContentAsync();
        Assert.Equal("cae-cache", Encoding.UTF8.GetString(app.Get<TokenCacheProtector>().Unprotect(cae.Value.Content.ToArray()).Plain));
    }

    [Fact]
    public async Task The_token_cache_is_encrypted_at_rest_and_only_the_apps_key_reads_it()
    {
        await using var app = await StartLiveAsync();
        var store = app.Get<GraphSignInStore>();
        var cache = MsalCache("rt-key", "refresh-token-SECRET-0042", 100);

        await UpdatedAsync(Host(app), cache, cae: false);

        var stored = (await store.Container.GetBlobClient(GraphSignInStore.CacheBlob(false)).DownloadContentAsync()).Value.Content.ToArray();
        var text = Encoding.Latin1.GetString(stored);
        Assert.DoesNotContain("refresh-token-SECRET-0042", text);
        Assert.DoesNotContain("RefreshToken", text);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("refresh-token-SECRET-0042"))[..16], text);
        Assert.StartsWith("ARTC1", text);
        Assert.Equal(cache, Encoding.UTF8.GetString((await RefreshAsync(Host(app))).Span));   // another instance, same key
        Assert.True((await RefreshAsync(Host(app, OtherKey))).IsEmpty);                       // another key: no cache (sign in again)

        // A flipped bit is refused by the authentication tag, not decrypted into garbage.
        stored[^1] ^= 1;
        await store.Container.GetBlobClient(GraphSignInStore.CacheBlob(false)).UploadAsync(BinaryData.FromBytes(stored), overwrite: true);
        Assert.True((await RefreshAsync(Host(app))).IsEmpty);
    }

    [Fact]
    public async Task A_plain_text_cache_is_refused_unless_the_migration_setting_is_on()
    {
        await using var app = await StartLiveAsync();
        var blob = app.Get<GraphSignInStore>().Container.GetBlobClient(GraphSignInStore.CacheBlob(false));
        var planted = MsalCache("rt-key", "planted-refresh-token", 100);
        await blob.UploadAsync(BinaryData.FromString(planted), overwrite: true);

        // Treated as no cache: the planted refresh token never reaches MSAL, and the blob is left for a person to see.
        Assert.True((await RefreshAsync(Host(app))).IsEmpty);
        Assert.Equal(planted, (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task With_the_migration_setting_a_plain_text_cache_is_read_once_and_encrypted()
    {
        await using var app = await StartLiveAsync(acceptPlaintext: true);
        var blob = app.Get<GraphSignInStore>().Container.GetBlobClient(GraphSignInStore.CacheBlob(false));
        var cache = MsalCache("rt-key", "legacy-refresh-token", 100);
        await blob.UploadAsync(BinaryData.FromString(cache), overwrite: true);

        Assert.Equal(cache, Encoding.UTF8.GetString((await RefreshAsync(Host(app))).Span));

        var stored = (await blob.DownloadContentAsync()).Value.Content.ToString();
        Assert.DoesNotContain("legacy-refresh-token", stored);
        Assert.Equal(cache, Encoding.UTF8.GetString((await RefreshAsync(Host(app))).Span));
    }

    [Fact]
    public async Task A_stale_instance_merges_instead_of_overwriting_the_newer_token()
    {
        await using var app = await StartLiveAsync();
        var hostA = Host(app);
        var hostB = Host(app);
        await UpdatedAsync(hostA, MsalCache("rt-old", "rt-secret-old", 100), cae: false);
        await RefreshAsync(hostA);
        await RefreshAsync(hostB);                                           // both hold version 1

        await UpdatedAsync(hostA, MsalCache("rt-a", "rt-secret-A", 300), cae: false);   // A refreshed: version 2
        await UpdatedAsync(hostB, MsalCache("rt-b", "rt-secret-B", 200), cae: false);   // B writes from version 1: 412, merge

        var merged = JsonNode.Parse(Encoding.UTF8.GetString((await RefreshAsync(Host(app))).Span))!;
        Assert.Equal("rt-secret-A", (string?)merged["RefreshToken"]!["rt-a"]!["secret"]); // A's newer token survived B's write
        Assert.Equal("rt-secret-B", (string?)merged["RefreshToken"]!["rt-b"]!["secret"]);
        Assert.Equal("access-300", (string?)merged["AccessToken"]!["at-key"]!["secret"]);  // the newer access token wins
        // A's next read sees B's token too (the blob changed: no 304).
        Assert.NotNull(JsonNode.Parse(Encoding.UTF8.GetString((await RefreshAsync(hostA)).Span))!["RefreshToken"]!["rt-b"]);
    }

    [Fact]
    public async Task Many_instances_writing_at_once_lose_no_token()
    {
        await using var app = await StartLiveAsync();
        var hosts = Enumerable.Range(0, 8).Select(_ => Host(app)).ToList();
        foreach (var host in hosts) await RefreshAsync(host);              // all start from "no cache"

        await Task.WhenAll(hosts.Select((host, i) => Task.Run(() => UpdatedAsync(host, MsalCache($"rt-{i}", $"secret-{i}", 100 + i), cae: false))));

        var final = JsonNode.Parse(Encoding.UTF8.GetString((await RefreshAsync(Host(app))).Span))!;
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"rt-{i}").Order(), final["RefreshToken"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal("access-107", (string?)final["AccessToken"]!["at-key"]!["secret"]);
    }

    [Theory]
    [InlineData(null, "is required when Graph is live")]
    [InlineData("c2hvcnQ=", "must be base64 of exactly 32 bytes")]
    [InlineData("not base64 !!", "must be base64 of exactly 32 bytes")]
    public void Live_Graph_needs_a_32_byte_token_cache_key(string? key, string message)
    {
        var result = new GraphOptionsValidator().Validate(null, new GraphOptions { TenantId = "contoso.onmicrosoft.com", ClientId = ClientId, TokenCacheKey = key });
        Assert.Contains(result.Failures!, f => f.StartsWith(TokenCacheProtector.Setting + " ") && f.Contains(message));
        Assert.True(new GraphOptionsValidator().Validate(null, new GraphOptions { TenantId = "contoso.onmicrosoft.com", ClientId = ClientId, TokenCacheKey = Key }).Succeeded);
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
