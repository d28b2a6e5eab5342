using AutoResponder.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.Graph;

/// <summary>How Graph requests leave the process.</summary>
public enum GraphMode
{
    /// <summary>Live when TenantId and ClientId are set, else File.</summary>
    Auto,
    /// <summary>
    /// Every request is written to <see cref="GraphOptions.OutboxFolder"/> as a JSON file and answered like Graph.
    /// </summary>
    File,
    /// <summary>Requests go to Microsoft Graph.</summary>
    Live,
}

/// <summary>
/// Settings under "AutoResponder:Graph" (environment: AutoResponder__Graph__Name). Checked at start-up by
/// <see cref="GraphOptionsValidator"/>; a problem is a finding on /api/health and Graph waits
/// (<see cref="GraphSetup"/>).
/// </summary>
public sealed class GraphOptions
{
    public const string Section = "AutoResponder:Graph";
    public const string DefaultOutboxFolder = ".outbox/graph";

    /// <summary>auto (default) | file | live.</summary>
    public string Mode { get; set; } = "auto";
    /// <summary>Entra tenant (id or domain) of the app registration.</summary>
    public string? TenantId { get; set; }
    /// <summary>
    /// Application (client) id of the app registration the service account signs in to (public client flows enabled).
    /// </summary>
    public string? ClientId { get; set; }
    /// <summary>
    /// Delegated scopes requested for the service account (login and silent refresh). Unset = ChannelMessage.Send
    /// and ChannelMessage.ReadWrite. (Null by default because the configuration binder appends to a pre-filled list.)
    /// </summary>
    public List<string>? DelegatedScopes { get; set; }

    public IReadOnlyList<string> EffectiveDelegatedScopes => DelegatedScopes is { Count: > 0 } ? DelegatedScopes :
        ["https://graph.microsoft.com/ChannelMessage.Send", "https://graph.microsoft.com/ChannelMessage.ReadWrite"];
    /// <summary>
    /// App-only credential: a client secret of <see cref="AppClientId"/> (or <see cref="ClientId"/>). Unset = managed
    /// identity.
    /// </summary>
    public string? ClientSecret { get; set; }
    /// <summary>App registration for app-only calls (mail) when it differs from <see cref="ClientId"/>.</summary>
    public string? AppClientId { get; set; }
    /// <summary>
    /// User-assigned managed identity (client id) for app-only calls when no client secret is set. Unset =
    /// system-assigned.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }
    /// <summary>File mode: where each request is written, relative to the working directory.</summary>
    public string OutboxFolder { get; set; } = DefaultOutboxFolder;
    /// <summary>
    /// Key that encrypts the service account's token cache at rest: base64 of 32 random bytes (`openssl rand -base64
    /// 32`). Required in live mode; every instance needs the same one. In Azure a Key Vault reference (infra sets it).
    /// </summary>
    public string? TokenCacheKey { get; set; }
    /// <summary>
    /// Migration only: read a token cache an older version stored unencrypted, once (it is then rewritten encrypted).
    /// Off (the default): such a cache is refused like a damaged one, and the fix is `autoresponder graph login`, so a
    /// plaintext blob planted in storage never signs the app in. Turn it on for one start after upgrading, then off.
    /// </summary>
    public bool AcceptPlaintextTokenCache { get; set; }
    /// <summary>Blob container (prefixed like every container) holding the service account's sign-in.</summary>
    public string SignInContainer { get; set; } = "graph-auth";

    /// <summary>The mode in force after resolving "auto".</summary>
    public GraphMode EffectiveMode => ParseMode(Mode) switch
    {
        GraphMode.Auto => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(ClientId)
            ? GraphMode.Live : GraphMode.File,
        var mode => mode,
    };

    internal static GraphMode ParseMode(string? value) =>
        Enum.TryParse<GraphMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            && !int.TryParse(value, out _) ? mode : (GraphMode)(-1);
}

internal sealed class GraphOptionsValidator : IValidateOptions<GraphOptions>
{
    public ValidateOptionsResult Validate(string? name, GraphOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{GraphOptions.Section}:{setting} {message}"); }

        var mode = GraphOptions.ParseMode(o.Mode);
        Check(Enum.IsDefined(mode), nameof(o.Mode), $"must be auto, file or live (is '{o.Mode}').");
        if (mode == GraphMode.Live)
        {
            Check(!string.IsNullOrWhiteSpace(o.TenantId), nameof(o.TenantId), "is required when Mode is live.");
            Check(!string.IsNullOrWhiteSpace(o.ClientId), nameof(o.ClientId), "is required when Mode is live.");
        }
        if (mode == GraphMode.Auto)
            Check(string.IsNullOrWhiteSpace(o.TenantId) == string.IsNullOrWhiteSpace(o.ClientId),
                string.IsNullOrWhiteSpace(o.TenantId) ? nameof(o.TenantId) : nameof(o.ClientId),
                "must be set together with TenantId/ClientId (one of the two is missing).");
        var live = o.EffectiveMode == GraphMode.Live && Enum.IsDefined(mode);
        if (live)
            Check(!string.IsNullOrWhiteSpace(o.TokenCacheKey), nameof(o.TokenCacheKey),
                "is required when Graph is live: it encrypts the service account's token cache at rest. Generate one " +
                "with `openssl rand -base64 32` (in Azure infra stores it in Key Vault).");
        // A Key Vault reference App Service could not resolve arrives as its text: it matters only when Graph is live
        // (KeyVaultReferences names it either way).
        if (KeyVaultReferences.IsUnresolved(o.TokenCacheKey))
            Check(!live, nameof(o.TokenCacheKey),
                "is a Key Vault reference that did not resolve, so the service account's token cache cannot be read.");
        else
            Check(string.IsNullOrWhiteSpace(o.TokenCacheKey)
                || TokenCacheProtector.ParseKey(o.TokenCacheKey) is not null, nameof(o.TokenCacheKey),
                "must be base64 of exactly 32 bytes (`openssl rand -base64 32`).");
        Check(!live || !KeyVaultReferences.IsUnresolved(o.ClientSecret), nameof(o.ClientSecret),
            "is a Key Vault reference that did not resolve, so app-only calls (mail) cannot sign in.");
        Check(o.ClientId is null || Guid.TryParse(o.ClientId, out _), nameof(o.ClientId),
            $"must be an application (client) id, a GUID (is '{o.ClientId}').");
        Check(o.EffectiveDelegatedScopes.All(s => !string.IsNullOrWhiteSpace(s)), nameof(o.DelegatedScopes),
            "must not contain empty scopes.");
        Check(!string.IsNullOrWhiteSpace(o.OutboxFolder), nameof(o.OutboxFolder), "must not be empty.");
        Check(!string.IsNullOrWhiteSpace(o.SignInContainer)
            && o.SignInContainer.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && o.SignInContainer.Length is >= 3 and <= 40,
            nameof(o.SignInContainer),
            $"must be 3-40 lower-case letters, digits or hyphens (is '{o.SignInContainer}').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
