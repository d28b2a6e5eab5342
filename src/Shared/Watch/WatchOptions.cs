using Microsoft.Extensions.Options;

namespace AutoResponder.Watch;

/// <summary>Settings under "AutoResponder:Watch". Validated at start-up.</summary>
public sealed class WatchOptions
{
    public const string Section = "AutoResponder:Watch";

    /// <summary>
    /// Keep running the incident's impact rules on new orders after mitigation and after resolution (default true).
    /// </summary>
    public bool Enabled { get; set; } = true;
    /// <summary>How long after mitigation / resolution (default 2 h).</summary>
    public int WatchMinutes { get; set; } = 120;
    // How often both hosts check: Schedule (WatchJob.Schedule).
    /// <summary>Orders are read up to now − this, so orders stored a little late are still seen.</summary>
    public int SettleSeconds { get; set; } = 30;
    public int LeaseSeconds { get; set; } = 120;
}

internal sealed class WatchOptionsValidator : IValidateOptions<WatchOptions>
{
    public ValidateOptionsResult Validate(string? name, WatchOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{WatchOptions.Section}:{setting} {message}"); }
        Check(o.WatchMinutes is >= 1 and <= 7 * 24 * 60, nameof(o.WatchMinutes),
            $"must be between 1 and 10080 (is {o.WatchMinutes}).");
        Check(o.SettleSeconds is >= 0 and <= 3600, nameof(o.SettleSeconds),
            $"must be between 0 and 3600 (is {o.SettleSeconds}).");
        Check(o.LeaseSeconds is >= 15 and <= 3600, nameof(o.LeaseSeconds),
            $"must be between 15 and 3600 (is {o.LeaseSeconds}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
