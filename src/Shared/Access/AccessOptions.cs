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

    public IReadOnlyList<string> EffectiveAllowedHosts => AllowedHosts is { Count: > 0 } ? AllowedHosts : ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Entra ID bearer tokens (with app roles) accepted for people; off unless TenantId and Audience are set.</summary>
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
    /// an id token posted back to /sign-in/entra, no client secret). Unset: the console offers personal access tokens only.
    /// </summary>
    public string? ClientId { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(Audience);

    /// <summary>The console offers "Sign in with Microsoft": Entra is on and <see cref="ClientId"/> is set.</summary>
    public bool ConsoleSignInEnabled => Enabled && !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>The tenant's v2 authority, "https://login.microsoftonline.com/{tenant}/v2.0": the issuer of its v2 tokens.</summary>
    public string V2Issuer => $"{Instance.TrimEnd('/')}/{TenantId}/v2.0";
}

public sealed class AccessOptionsValidator : IValidateOptions<AccessOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessOptions o)
    {
        var errors = new List<string>();
        if (o.IngestKey is { } key && key.Length < 16)
            errors.Add($"{AccessOptions.Section}:IngestKey must be at least 16 characters (is {key.Length}).");
        for (var i = 0; i < (o.AllowedHosts?.Count ?? 0); i++)
            if (string.IsNullOrWhiteSpace(o.AllowedHosts![i]) || o.AllowedHosts[i].Contains('/'))
                errors.Add($"{AccessOptions.Section}:AllowedHosts:{i} must be a host name such as incidents.shop.example (is '{o.AllowedHosts[i]}').");
        if (string.IsNullOrWhiteSpace(o.Entra.TenantId) != string.IsNullOrWhiteSpace(o.Entra.Audience))
            errors.Add($"{AccessOptions.Section}:Entra:TenantId and {AccessOptions.Section}:Entra:Audience must be set together.");
        if (!Uri.TryCreate(o.Entra.Instance, UriKind.Absolute, out var instance) || instance.Scheme != Uri.UriSchemeHttps)
            errors.Add($"{AccessOptions.Section}:Entra:Instance must be an https URL (is '{o.Entra.Instance}').");
        if (!string.IsNullOrWhiteSpace(o.Entra.ClientId) && !o.Entra.Enabled)
            errors.Add($"{AccessOptions.Section}:Entra:ClientId needs {AccessOptions.Section}:Entra:TenantId and {AccessOptions.Section}:Entra:Audience.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
