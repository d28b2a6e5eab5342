using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace AutoResponder.Graph;

/// <summary>What reading a stored token cache found.</summary>
public enum StoredCacheState
{
    /// <summary>Decrypted with our key.</summary>
    Decrypted,
    /// <summary>
    /// A cache written before encryption (plain MSAL JSON), with AcceptPlaintextTokenCache on: used once, then
    /// rewritten encrypted.
    /// </summary>
    Plaintext,
    /// <summary>
    /// A cache in plain text while AcceptPlaintextTokenCache is off: treated as no cache (`graph login` fixes it).
    /// </summary>
    PlaintextRefused,
    /// <summary>
    /// Encrypted with another key (the key was rotated) or damaged: treated as no cache, so the fix is a new `graph
    /// login`.
    /// </summary>
    Unreadable,
}

/// <summary>
/// Encrypts the service account's MSAL token cache (refresh token included) before it is stored, with AES-256-GCM and
/// a key the app holds: <c>AutoResponder:Graph:TokenCacheKey</c>, base64 of 32 random bytes (`openssl rand -base64
/// 32`); in Azure a Key Vault reference, so the storage account alone never yields a usable token. Every instance holds
/// the same key, so they share one sign-in. Stored form: "ARTC1" | key id (8 bytes of SHA-256 of the key) | nonce (12)
/// | tag (16) | ciphertext. The key id makes a rotated key a clear "unreadable" instead of a decryption error.
/// </summary>
public sealed class TokenCacheProtector
{
    public const string Setting = GraphOptions.Section + ":TokenCacheKey";
    private static readonly byte[] Magic = "ARTC1"u8.ToArray();
    private const int KeyIdLength = 8, NonceLength = 12, TagLength = 16;
    private readonly byte[]? _key;
    private readonly byte[] _keyId = [];
    private readonly bool _acceptPlaintext;

    public TokenCacheProtector(IOptions<GraphOptions> options)
    {
        _acceptPlaintext = options.Value.AcceptPlaintextTokenCache;
        _key = ParseKey(options.Value.TokenCacheKey);
        if (_key is not null) _keyId = SHA256.HashData(_key)[..KeyIdLength];
    }

    /// <summary>
    /// The key as bytes, or null when unset or not base64 of exactly 32 bytes (the validator reports that).
    /// </summary>
    public static byte[]? ParseKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        try
        {
            var key = Convert.FromBase64String(value.Trim());
            return key.Length == 32 ? key : null;
        }
        catch (FormatException) { return null; }
    }

    private byte[] Key => _key ?? throw new InvalidOperationException(
        $"The Graph token cache cannot be stored without {Setting} (base64 of 32 random bytes, e.g. `openssl rand " +
        $"-base64 32`; in Azure a Key Vault reference).");

    public byte[] Protect(ReadOnlySpan<byte> plain)
    {
        var key = Key;
        var stored = new byte[Magic.Length + KeyIdLength + NonceLength + TagLength + plain.Length];
        var span = stored.AsSpan();
        Magic.CopyTo(span);
        _keyId.CopyTo(span[Magic.Length..]);
        var nonce = span.Slice(Magic.Length + KeyIdLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        var tag = span.Slice(Magic.Length + KeyIdLength + NonceLength, TagLength);
        var cipher = span[(Magic.Length + KeyIdLength + NonceLength + TagLength)..];
        using var aes = new AesGcm(key, TagLength);
        aes.Encrypt(nonce, plain, cipher, tag, Magic); // the header is authenticated too
        return stored;
    }

    public (StoredCacheState State, byte[] Plain) Unprotect(ReadOnlySpan<byte> stored)
    {
        if (stored.Length == 0) return (StoredCacheState.Decrypted, []);
        if (!stored.StartsWith(Magic))
            return _acceptPlaintext ? (StoredCacheState.Plaintext, stored.ToArray())
            : (StoredCacheState.PlaintextRefused, []);
        var key = Key;
        if (stored.Length < Magic.Length + KeyIdLength + NonceLength + TagLength
            || !stored.Slice(Magic.Length, KeyIdLength).SequenceEqual(_keyId))
            return (StoredCacheState.Unreadable, []);
        var nonce = stored.Slice(Magic.Length + KeyIdLength, NonceLength);
        var tag = stored.Slice(Magic.Length + KeyIdLength + NonceLength, TagLength);
        var cipher = stored[(Magic.Length + KeyIdLength + NonceLength + TagLength)..];
        var plain = new byte[cipher.Length];
        try
        {
            using var aes = new AesGcm(key, TagLength);
            aes.Decrypt(nonce, cipher, tag, plain, Magic);
            return (StoredCacheState.Decrypted, plain);
        }
        catch (AuthenticationTagMismatchException) { return (StoredCacheState.Unreadable, []); }
    }
}
