namespace AutoResponder.Access;

/// <summary>
/// What a person may do. <c>viewer</c> reads incidents and impact summaries (managers); <c>responder</c> acts on
/// incidents; <c>ops</c> downloads customer data (exports); <c>admin</c> manages tokens and settings and may do
/// everything. Every role may read, except <c>storefront</c>: the credential baked into shop front-ends, which reads
/// <c>GET /api/switches</c> and nothing else. Entra ID app roles use the same values.
/// </summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Responder = "responder";
    public const string Ops = "ops";
    public const string Admin = "admin";
    public const string Storefront = "storefront";

    public static readonly IReadOnlyList<string> All = [Viewer, Responder, Ops, Admin, Storefront];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.OrdinalIgnoreCase);

    /// <summary>The canonical spelling of a known role (Entra app role values may differ in case), else null.</summary>
    public static string? Normalize(string role)
        => All.FirstOrDefault(r => string.Equals(r, role.Trim(), StringComparison.OrdinalIgnoreCase));
}
