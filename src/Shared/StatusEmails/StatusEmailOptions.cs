using AutoResponder.Alerts;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

/// <summary>Settings under "AutoResponder:StatusEmails".</summary>
public sealed class StatusEmailOptions
{
    public const string Section = "AutoResponder:StatusEmails";

    public bool Enabled { get; set; } = true;
    /// <summary>
    /// Minutes between status emails, by severity (AutoResponder__StatusEmails__CadenceMinutes__Sev2 = 60).
    /// </summary>
    public Dictionary<string, int> CadenceMinutes { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Sev0"] = 30,
        ["Sev1"] = 30,
        ["Sev2"] = 60,
        ["Sev3"] = 240,
        ["Sev4"] = 1440,
    };
    /// <summary>Incidents of this severity or worse get an email when they open (and always a final one).</summary>
    public Severity FirstEmailUpTo { get; set; } = Severity.Sev2;
    /// <summary>Most due incidents one sweep handles (the rest wait for the next minute).</summary>
    public int MaxPerSweep { get; set; } = 200;

    public TimeSpan CadenceFor(Severity severity) =>
        TimeSpan.FromMinutes(CadenceMinutes.TryGetValue(severity.ToString(), out var minutes) ? minutes : 60);
}

internal sealed class StatusEmailOptionsValidator : IValidateOptions<StatusEmailOptions>
{
    public ValidateOptionsResult Validate(string? name, StatusEmailOptions o)
    {
        var errors = new List<string>();
        foreach (var (key, minutes) in o.CadenceMinutes)
        {
            if (!Enum.TryParse<Severity>(key, out var severity) || !Enum.IsDefined(severity)
                || int.TryParse(key, out _))
                errors.Add($"{StatusEmailOptions.Section}:CadenceMinutes:{key} is not a severity: use Sev0..Sev4.");
            else if (minutes is < 5 or > 7 * 24 * 60)
                errors.Add($"{StatusEmailOptions.Section}:CadenceMinutes:{key} must be between 5 and 10080 minutes " +
                    $"(is {minutes}).");
        }
        if (!Enum.IsDefined(o.FirstEmailUpTo))
            errors.Add($"{StatusEmailOptions.Section}:FirstEmailUpTo must be Sev0..Sev4.");
        if (o.MaxPerSweep is < 1 or > 5000)
            errors.Add($"{StatusEmailOptions.Section}:MaxPerSweep must be between 1 and 5000 (is {o.MaxPerSweep}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
