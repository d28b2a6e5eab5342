using Microsoft.Extensions.Options;

namespace AutoResponder.Access;

/// <summary>Settings under "AutoResponder:Access": who may call the API. Validated at start-up.</summary>
public sealed class AccessOptions
{
    public const string Section = "AutoResponder:Access";

    /// <summary>
    /// The key alert senders present on POST /api/alerts (x-functions-key header, or ?code= for senders that
    /// cannot set headers). Nowhere else. Unset: the standalone host takes alerts only on loopback; in Azure
    /// the Functions runtime checks its function key instead.
    /// </summary>
    public string? IngestKey { get; set; }

    /// <summary>
    /// Standalone host: the Host header values it answers (DNS-rebinding protection); anything else is a 400.
    /// Unset means the loopback names localhost, 127.0.0.1 and [::1]. Add the name people use when you expose it.
    /// </summary>
    public List<string>? AllowedHosts { get; set; }

    public IReadOnlyList<string> EffectiveAllowedHosts
        => AllowedHosts is { Count: > 0 } ? AllowedHosts : ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// Entra ID bearer tokens (with app roles) accepted for people; off unless TenantId and Audience are set.
    /// </summary>
    public EntraOptions Entra { get; set; } = new();
}

public sealed class EntraOptions
{
    /// <summary>The directory (tenant) id people sign in to.</summary>
    public string? TenantId { get; set; }
    /// <summary>The API's application id URI or client id: the "aud" a token must carry.</summary>
    public string? Audience { get; set; }
    /// <summary>The sign-in authority host.</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";
    /// <summary>
    /// The app registration's application (client) id the console signs people in with ("Sign in with Microsoft":
    /// an id token posted back to /sign-in/entra, no client secret). Unset: the console offers personal access tokens
    /// only.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// On when TenantId and Audience are set and usable; broken settings leave it off (personal access tokens still
    /// work) and are findings (<see cref="Problems"/>).
    /// </summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(Audience)
        && InstanceIsHttps
                           && !AutoResponder.Hosting.KeyVaultReferences.IsUnresolved(TenantId)
                               && !AutoResponder.Hosting.KeyVaultReferences.IsUnresolved(Audience);

    private bool InstanceIsHttps
        => Uri.TryCreate(Instance, UriKind.Absolute, out var instance) && instance.Scheme == Uri.UriSchemeHttps;

    public const string Area = "Entra sign-in";
    public const string Effect =
        "people cannot sign in with Entra ID (API bearer tokens and the console's \"Sign in with Microsoft\"); " +
        "personal access tokens still work";

    /// <summary>What is wrong with these settings, each naming its setting. Optional: never stops start-up.</summary>
    public IReadOnlyList<string> Problems()
    {
        const string section = AccessOptions.Section + ":Entra";
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(TenantId) != string.IsNullOrWhiteSpace(Audience))
            errors.Add($"{section}:{(string.IsNullOrWhiteSpace(TenantId) ? "TenantId" : "Audience")} must be set together with {section}:{(string.IsNullOrWhiteSpace(TenantId) ? "Audience" : "TenantId")} (azd env: AUTORESPONDER_PEOPLE_TENANT_ID, AUTORESPONDER_PEOPLE_API_AUDIENCE).");
        if (!InstanceIsHttps)
            errors.Add($"{section}:Instance must be an https URL (is '{Instance}').");
        foreach (var (name, value) in new[] { ("TenantId", TenantId), ("Audience", Audience), ("ClientId", ClientId) })
            if (AutoResponder.Hosting.KeyVaultReferences.IsUnresolved(value))
                errors.Add($"{section}:{name} is a Key Vault reference that did not resolve.");
        if (!string.IsNullOrWhiteSpace(ClientId)
            && (string.IsNullOrWhiteSpace(TenantId) || string.IsNullOrWhiteSpace(Audience)))
            errors.Add($"{section}:ClientId needs {section}:TenantId and {section}:Audience.");
        return errors;
    }

    /// <summary>The console offers "Sign in with Microsoft": Entra is on and <see cref="ClientId"/> is set.</summary>
    public bool ConsoleSignInEnabled
        => Enabled && !string.IsNullOrWhiteSpace(ClientId)
        && !AutoResponder.Hosting.KeyVaultReferences.IsUnresolved(ClientId);

    /// <summary>
    /// The tenant's v2 authority, "https://login.microsoftonline.com/{tenant}/v2.0": the issuer of its v2 tokens.
    /// </summary>
    public string V2Issuer => $"{Instance.TrimEnd('/')}/{TenantId}/v2.0";
}

internal sealed class AccessOptionsValidator : IValidateOptions<AccessOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessOptions o)
    {
        var errors = new List<string>();
        if (o.IngestKey is { } key && key.Length < 16)
            errors.Add($"{AccessOptions.Section}:IngestKey must be at least 16 characters (is {key.Length}).");
        for (var i = 0; i < (o.AllowedHosts?.Count ?? 0); i++)
            if (string.IsNullOrWhiteSpace(o.AllowedHosts![i]) || o.AllowedHosts[i].Contains('/'))
                errors.Add($"{AccessOptions.Section}:AllowedHosts:{i} must be a host name such as " +
                    $"incidents.shop.example (is '{o.AllowedHosts[i]}').");
        // Entra sign-in is optional: its problems are findings (EntraOptions.Problems), never a stopped start-up.
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
