using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;

namespace AutoResponder.Access;

/// <summary>A personal access token as stored: never the secret, only its SHA-256.</summary>
public sealed class AccessTokenRecord : ITableEntity
{
    public const string Partition = "pat";

    public string PartitionKey { get; set; } = Partition;
    /// <summary>The token id (the public part of the token, shown by `tokens list`).</summary>
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    /// <summary>Comma-separated roles.</summary>
    public string Roles { get; set; } = "";
    /// <summary>Hex SHA-256 of the whole token.</summary>
    public string SecretHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    /// <summary>
    /// After this the token signs nobody in. Null only on rows made before tokens expired (they never do: recreate
    /// them).
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>When the token last signed someone in, to the hour (it is written at most once an hour).</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    [IgnoreDataMember] public string Id => RowKey;
    [IgnoreDataMember] public IReadOnlyList<string> RoleList => Roles.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } e && e <= now;

    /// <summary>Not revoked, not expired, but expiring within <paramref name="window"/>.</summary>
    public bool IsExpiringSoon(DateTimeOffset now, TimeSpan window)
        => RevokedAt is null && ExpiresAt is { } e && e > now && e - now <= window;
}

/// <summary>A token just created: <see cref="Token"/> is shown once and never stored.</summary>
public sealed record CreatedToken(AccessTokenRecord Record, string Token);

/// <summary>
/// Personal access tokens (table "AccessTokens"): `autoresponder tokens create|list|revoke`, sent as
/// <c>Authorization: Bearer arp_{id}_{secret}</c>. The secret is 256 random bits; only the SHA-256 of the
/// token is stored, so a copy of the table signs nobody in. A fast hash is enough for a high-entropy secret
/// (no dictionary to guess from). Revocation takes effect on the next request: every request reads the row.
/// A token expires (<see cref="DefaultLifetime"/> unless created with another, at most <see cref="MaxLifetime"/>);
/// an expired one is refused like a revoked one. Its last use is recorded at most once an hour
/// (<see cref="LastUsedResolution"/>), so a busy token costs one extra write an hour, not one per request.
/// </summary>
public sealed class PersonalAccessTokens(StorageClients storage, TimeProvider time) : IStorageInitializer
{
    public const string Prefix = "arp_";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(730);
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromHours(1);
    /// <summary>Tokens expiring within this are warned about (`tokens list`, /api/health).</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);
    public TableClient Table => storage.Table("AccessTokens");

    /// <summary>Now, by the clock tokens expire by.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
        => Table.CreateIfNotExistsAsync(cancellationToken);

    /// <param name="lifetime">How long the token works (default <see cref="DefaultLifetime"/>; 1 day to
    /// <see cref="MaxLifetime"/>).</param>
    public async Task<CreatedToken> CreateAsync(string name, IEnumerable<string> roles, CancellationToken ct,
        TimeSpan? lifetime = null)
    {
        var life = lifetime ?? DefaultLifetime;
        if (life < TimeSpan.FromDays(1) || life > MaxLifetime)
            throw new ArgumentException($"A token lasts 1 to {MaxLifetime.TotalDays:0} days (asked for " +
                $"{life.TotalDays:0.#}).", nameof(lifetime));
        name = name.Trim();
        if (name.Length is 0 or > 200 || name.Any(char.IsControl))
            throw new ArgumentException("The name must be 1 to 200 characters without control characters.",
                nameof(name));
        var normalized = new List<string>();
        foreach (var role in roles)
            normalized.Add(AutoResponder.Access.Roles.Normalize(role)
                ?? throw new ArgumentException($"'{role}' is not a role: use " +
                    $"{string.Join(", ", AutoResponder.Access.Roles.All)}.", nameof(roles)));
        if (normalized.Count == 0) throw new ArgumentException("At least one role is required.", nameof(roles));

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var token = $"{Prefix}{id}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var record = new AccessTokenRecord
        {
            RowKey = id,
            Name = name,
            Roles = string.Join(',', normalized.Distinct()),
            SecretHash = Hash(token),
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = time.GetUtcNow() + life,
        };
        await Table.AddEntityAsync(record, ct);
        return new CreatedToken(record, token);
    }

    public async Task<IReadOnlyList<AccessTokenRecord>> ListAsync(CancellationToken ct)
    {
        var list = new List<AccessTokenRecord>();
        await foreach (var row in Table.QueryAsync<AccessTokenRecord>(r =>
            r.PartitionKey == AccessTokenRecord.Partition, cancellationToken: ct))
            list.Add(row);
        return list.OrderBy(r => r.CreatedAt).ToList();
    }

    /// <summary>Revokes a token by id; false when there is no such token.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken ct)
    {
        var row = await FindAsync(id, ct);
        if (row is null) return false;
        if (row.RevokedAt is not null) return true;
        row.RevokedAt = time.GetUtcNow();
        await Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, ct);
        return true;
    }

    /// <summary>The person a token belongs to, or null for a malformed, unknown, revoked or expired token.</summary>
    public async Task<Caller?> ValidateAsync(string token, CancellationToken ct)
    {
        if (!TryParseId(token, out var id)) return null;
        var row = await FindAsync(id, ct);
        var now = time.GetUtcNow();
        if (row is null || row.RevokedAt is not null || row.IsExpired(now)) return null;
        var given = Encoding.ASCII.GetBytes(Hash(token));
        if (!CryptographicOperations.FixedTimeEquals(given, Encoding.ASCII.GetBytes(row.SecretHash))) return null;
        await TouchAsync(row, now, ct);
        return new Caller(row.Name, row.RoleList, "token");
    }

    /// <summary>
    /// Records the use when the last recorded one is an hour old or more: one small merge, never a failure of the
    /// request.
    /// </summary>
    private async Task TouchAsync(AccessTokenRecord row, DateTimeOffset now, CancellationToken ct)
    {
        if (row.LastUsedAt is { } last && now - last < LastUsedResolution) return;
        var touch = new TableEntity(AccessTokenRecord.Partition, row.RowKey)
        {
            [nameof(AccessTokenRecord.LastUsedAt)] = now,
        };
        try { await Table.UpdateEntityAsync(touch, row.ETag, TableUpdateMode.Merge, ct); }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412 or 429 or >= 500)
        {
            // Another request recorded it first (412), or storage is busy: the use is recorded next time.
        }
    }

    /// <summary>
    /// Tokens neither revoked nor expired that expire within <see cref="ExpiryWarning"/>, soonest first.
    /// </summary>
    public async Task<IReadOnlyList<AccessTokenRecord>> ExpiringSoonAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return (await ListAsync(ct)).Where(t => t.IsExpiringSoon(now, ExpiryWarning)).OrderBy(t => t.ExpiresAt)
            .ToList();
    }

    /// <summary>
    /// The person holding the token <paramref name="id"/> as it stands now (name and roles from its row), or null
    /// when it is unknown, revoked or expired. A console session checks this on every request, so revoking a token ends
    /// the sessions signed in with it.
    /// </summary>
    public async Task<(Caller Caller, DateTimeOffset? ExpiresAt)?> ActiveAsync(string id, string signedInWith,
        CancellationToken ct)
    {
        var row = await FindAsync(id, ct);
        return row is null || row.RevokedAt is not null || row.IsExpired(time.GetUtcNow())
            ? null : (new Caller(row.Name, row.RoleList, signedInWith), row.ExpiresAt);
    }

    /// <summary>The id (public part) of a well-formed token, else null.</summary>
    public static string? IdOf(string token) => TryParseId(token, out var id) ? id : null;

    private async Task<AccessTokenRecord?> FindAsync(string id, CancellationToken ct)
    {
        if (id.Length != 12 || !id.All(char.IsAsciiHexDigitLower)) return null;
        var found = await Table.GetEntityIfExistsAsync<AccessTokenRecord>(AccessTokenRecord.Partition, id,
            cancellationToken: ct);
        return found.HasValue ? found.Value : null;
    }

    private static bool TryParseId(string token, out string id)
    {
        id = "";
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return false;
        var rest = token[Prefix.Length..];
        var cut = rest.IndexOf('_');
        if (cut != 12) return false;
        id = rest[..cut];
        return true;
    }

    private static string Hash(string token)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes)
        => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
