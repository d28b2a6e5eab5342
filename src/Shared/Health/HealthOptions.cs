using Microsoft.Extensions.Options;

namespace AutoResponder.Health;

/// <summary>Thresholds of <c>GET /api/health</c> ("AutoResponder:Health:…").</summary>
public sealed class HealthOptions
{
    public const string Section = "AutoResponder:Health";

    /// <summary>An open outbox action older than this (owed and not done) makes the responder unhealthy.</summary>
    public int MaxPendingMinutes { get; set; } = 30;
    /// <summary>
    /// Parked (failed) actions at or above this count make it unhealthy (0 = never; they are always reported).
    /// </summary>
    public int MaxParkedActions { get; set; } = 1;
    /// <summary>Dead-lettered reminders at or above this count make it unhealthy (0 = never).</summary>
    public int MaxDeadLetteredReminders { get; set; } = 1;
    /// <summary>How long one check may take before it counts as failing.</summary>
    public int CheckTimeoutSeconds { get; set; } = 10;
}

internal sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthOptions o)
    {
        var errors = new List<string>();
        if (o.MaxPendingMinutes is < 1 or > 10080)
            errors.Add($"{HealthOptions.Section}:MaxPendingMinutes must be between 1 and 10080 (is " +
                $"{o.MaxPendingMinutes}).");
        if (o.MaxParkedActions < 0)
            errors.Add($"{HealthOptions.Section}:MaxParkedActions must be 0 or more (is {o.MaxParkedActions}).");
        if (o.MaxDeadLetteredReminders < 0)
            errors.Add($"{HealthOptions.Section}:MaxDeadLetteredReminders must be 0 or more (is " +
                $"{o.MaxDeadLetteredReminders}).");
        if (o.CheckTimeoutSeconds is < 1 or > 120)
            errors.Add($"{HealthOptions.Section}:CheckTimeoutSeconds must be between 1 and 120 (is " +
                $"{o.CheckTimeoutSeconds}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
