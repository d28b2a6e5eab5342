namespace AutoResponder.Health;

/// <summary>One check of <c>GET /api/health</c>: "ok", "warning" (shown, not failing) or "failing".</summary>
public sealed record HealthCheckResult(string Name, string Status, string Detail, double? Value = null,
    string? Unit = null)
{
    public const string Ok = "ok";
    public const string Warning = "warning";
    public const string Failing = "failing";
}

/// <summary>
/// The body of <c>GET /api/health</c>: 200 when <see cref="Status"/> is "healthy", else 503. <see cref="ToFix"/> lists
/// the settings of optional integrations (Graph, Teams, mail, Key Vault references, Entra, App Configuration) that are
/// missing or broken: the responder runs and takes alerts without them, and what they would do waits until fixed.
/// <see cref="Checks"/> and <see cref="ToFix"/> only for a signed-in person who may read (viewer and up); probes
/// without credentials get the status alone.
/// </summary>
public sealed record HealthReport(string Status, DateTimeOffset CheckedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<HealthCheckResult>? Checks,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<AutoResponder.Hosting.SetupFinding>? ToFix)
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
}
