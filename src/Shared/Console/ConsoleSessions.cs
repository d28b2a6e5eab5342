using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using AutoResponder.Access;
using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>
/// A console session as stored (table "ConsoleSessions"): never the cookie, only its SHA-256 (the row key), so a
/// copy of the table signs nobody in. One partition per session: sign-ins never contend.
/// </summary>
internal sealed class ConsoleSessionRecord : ITableEntity
{
    /// <summary>Hex SHA-256 of the cookie value.</summary>
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "session";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>
    /// The personal access token the person signed in with: its row is read on every request (revoked → signed out).
    /// Empty for an Entra ID session.
    /// </summary>
    public string TokenId { get; set; } = "";
    /// <summary>
    /// Entra ID session only: the person's name and app roles (comma-separated) as their id token gave them at sign-in.
    /// </summary>
    public string? Name { get; set; }
    public string? Roles { get; set; }
    /// <summary>The session's anti-forgery token, placed in every form the console renders for it.</summary>
    public string Csrf { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    [IgnoreDataMember] public string Hash => PartitionKey;
}

/// <summary>
/// A signed-in console session: who (as of this request), the anti-forgery token its forms carry, and, for a token
/// session whose token expires within <see cref="PersonalAccessTokens.ExpiryWarning"/>, when (the page says so).
/// </summary>
public sealed record SignedInSession(Caller Caller, string Csrf, DateTimeOffset ExpiresAt,
    DateTimeOffset? TokenExpiresSoonAt = null);

/// <summary>
/// Console sign-in, kept as a server-side session. Two kinds:
/// <list type="bullet">
/// <item>A personal access token: the cookie carries <c>{tokenId}.{256 random bits}</c>; the table holds its hash, the
/// token id, the anti-forgery token and the expiry.</item>
/// <item>"Sign in with Microsoft" (<see cref="EntraSignIn"/>): the cookie carries <c>entra.{256 random bits}</c>; the
/// row holds the person's name and app roles from their id token. There is no token to recheck, so role changes in
/// Entra apply at the next sign-in; such a session lasts at most <see cref="EntraSessionCapHours"/> hours.</item>
/// </list>
/// Any Function instance can check it (no shared key ring). Every request reads the session row and the token row
/// (in parallel): the person's name and roles come from the token as it is now, so revoking the token, or changing its
/// roles, takes effect on the next click. Sessions last <see cref="ConsoleOptions.SessionHours"/> from sign-in; the
/// clock is the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class ConsoleSessions(StorageClients storage, PersonalAccessTokens tokens,
    IOptions<ConsoleOptions> options, TimeProvider time) : IStorageInitializer
{
    public const string CookieName = "arp_session";
    public const string SignedInWith = "console";
    public const string SignedInWithEntra = "console-entra";
    /// <summary>
    /// An Entra ID session lasts the shorter of <see cref="ConsoleOptions.SessionHours"/> and this: roles removed in
    /// Entra stop working by then.
    /// </summary>
    public const int EntraSessionCapHours = 8;
    private const string EntraCookiePrefix = "entra";

    public TableClient Table => storage.Table("ConsoleSessions");

    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
        => Table.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>
    /// Signs in with a personal access token: the new session and the cookie value, or null for a token that is not
    /// valid.
    /// </summary>
    public async Task<(SignedInSession Session, string Cookie)?> SignInAsync(string token, CancellationToken ct)
    {
        token = token.Trim();
        if (PersonalAccessTokens.IdOf(token) is not { } tokenId) return null;
        var caller = await tokens.ValidateAsync(token, ct);
        if (caller is null) return null;

        var cookie = $"{tokenId}.{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var now = time.GetUtcNow();
        var record = new ConsoleSessionRecord
        {
            PartitionKey = Hash(cookie),
            TokenId = tokenId,
            Csrf = Base64Url(RandomNumberGenerator.GetBytes(32)),
            CreatedAt = now,
            ExpiresAt = now.AddHours(options.Value.SessionHours),
        };
        await Table.AddEntityAsync(record, ct);
        return (new SignedInSession(caller with { SignedInWith = SignedInWith }, record.Csrf, record.ExpiresAt),
            cookie);
    }

    /// <summary>
    /// Signs in a person Entra ID vouched for (<see cref="EntraSignIn"/> validated their id token): name and roles are
    /// kept in the row until the session ends.
    /// </summary>
    public async Task<(SignedInSession Session, string Cookie)> SignInFromEntraAsync(string name,
        IReadOnlyList<string> roles, CancellationToken ct)
    {
        var cookie = $"{EntraCookiePrefix}.{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var now = time.GetUtcNow();
        var record = new ConsoleSessionRecord
        {
            PartitionKey = Hash(cookie),
            Name = name,
            Roles = string.Join(',', roles),
            Csrf = Base64Url(RandomNumberGenerator.GetBytes(32)),
            CreatedAt = now,
            ExpiresAt = now.AddHours(Math.Min(options.Value.SessionHours, EntraSessionCapHours)),
        };
        await Table.AddEntityAsync(record, ct);
        return (new SignedInSession(EntraCallerOf(record), record.Csrf, record.ExpiresAt), cookie);
    }

    private static Caller EntraCallerOf(ConsoleSessionRecord row) =>
        new(row.Name!, (row.Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries), SignedInWithEntra);

    /// <summary>
    /// The session a cookie value names, if it exists, has not expired and (a token session) its token is still valid.
    /// </summary>
    public async Task<SignedInSession?> FindAsync(string? cookie, CancellationToken ct)
    {
        if (TryParseEntra(cookie)) return await FindEntraAsync(cookie!, ct);
        if (!TryParse(cookie, out var tokenId)) return null;
        var hash = Hash(cookie!);
        var rowTask = Table.GetEntityIfExistsAsync<ConsoleSessionRecord>(hash, "session", cancellationToken: ct);
        var callerTask = tokens.ActiveAsync(tokenId, SignedInWith, ct);
        var row = await rowTask;
        var active = await callerTask;
        if (!row.HasValue || row.Value is not { } session || session.TokenId != tokenId) return null;
        if (session.ExpiresAt <= time.GetUtcNow() || active is not var (caller, tokenExpiresAt))
        {
            // Expired, or its token was revoked or expired: the session is over for good.
            await Table.DeleteEntityAsync(hash, "session", ETag.All, CancellationToken.None);
            return null;
        }
        var soon = tokenExpiresAt is { } e && e - time.GetUtcNow() <= PersonalAccessTokens.ExpiryWarning
            ? tokenExpiresAt : null;
        return new SignedInSession(caller, session.Csrf, session.ExpiresAt, soon);
    }

    private async Task<SignedInSession?> FindEntraAsync(string cookie, CancellationToken ct)
    {
        var hash = Hash(cookie);
        var row = await Table.GetEntityIfExistsAsync<ConsoleSessionRecord>(hash, "session", cancellationToken: ct);
        if (!row.HasValue || row.Value is not { } session || session.TokenId.Length != 0
            || string.IsNullOrEmpty(session.Name)) return null;
        if (session.ExpiresAt <= time.GetUtcNow())
        {
            await Table.DeleteEntityAsync(hash, "session", ETag.All, CancellationToken.None);
            return null;
        }
        return new SignedInSession(EntraCallerOf(session), session.Csrf, session.ExpiresAt);
    }

    /// <summary>Ends the session a cookie value names (nothing happens for an unknown one).</summary>
    public async Task SignOutAsync(string? cookie, CancellationToken ct)
    {
        if (!TryParse(cookie, out _) && !TryParseEntra(cookie)) return;
        await Table.DeleteEntityAsync(Hash(cookie!), "session", ETag.All, ct);
    }

    /// <summary>
    /// Deletes every session past its expiry (sessions nobody presents again would otherwise stay). The table holds
    /// at most the sign-ins of one <see cref="ConsoleOptions.SessionHours"/> window, so a filtered scan is cheap.
    /// </summary>
    public async Task<int> SweepExpiredAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var deleted = 0;
        await foreach (var row in Table.QueryAsync<ConsoleSessionRecord>(r => r.ExpiresAt <= now,
            select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct);
            deleted++;
        }
        return deleted;
    }

    /// <summary>The session cookie of a request, if it sent one.</summary>
    public static string? CookieOf(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static bool TryParse(string? cookie, out string tokenId)
    {
        tokenId = "";
        if (cookie is null || cookie.Length is < 20 or > 100) return false;
        var dot = cookie.IndexOf('.');
        if (dot != 12 || !cookie[..dot].All(char.IsAsciiHexDigitLower)) return false;
        tokenId = cookie[..dot];
        return true;
    }

    private static bool TryParseEntra(string? cookie) =>
        cookie is { Length: > 20 and <= 100 } && cookie.StartsWith(EntraCookiePrefix + ".", StringComparison.Ordinal);

    internal static string Hash(string cookie)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(cookie)));

    internal static string Base64Url(byte[] bytes)
        => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// Every hour (Functions: the SweepConsoleSessions timer; standalone: the scheduled jobs service): expired sessions are
/// deleted.
/// </summary>
public sealed class ConsoleSessionSweep(ConsoleSessions sessions) : AutoResponder.Hosting.IScheduledJob
{
    public const string ScheduleSetting = "AutoResponder:Console:SessionSweepSchedule";

    public string Name => "SweepConsoleSessions";
    public AutoResponder.Hosting.JobSchedule Schedule { get; } = new(ScheduleSetting, "0 0 * * * *"); // hourly
    public Task RunAsync(CancellationToken cancellationToken) => sessions.SweepExpiredAsync(cancellationToken);
}

/// <summary>
/// The console's session cookie as a way to call the API, for safe methods only (GET/HEAD: the export download the
/// incident page links to). Changes through the API always need an Authorization header, which a browser never adds on
/// its own, so no cross-site form can act through the API with a person's cookie.
/// </summary>
internal sealed class ConsoleSessionSource(ConsoleSessions sessions) : ICallerSource
{
    public async Task<Caller?> ResolveAsync(Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken ct)
    {
        if (!Microsoft.AspNetCore.Http.HttpMethods.IsGet(request.Method)
            && !Microsoft.AspNetCore.Http.HttpMethods.IsHead(request.Method)) return null;
        return ConsoleSessions.CookieOf(request) is { } cookie && await sessions.FindAsync(cookie, ct) is { } session
            ? session.Caller : null;
    }
}
