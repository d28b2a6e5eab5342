using AutoResponder.Incidents;

namespace AutoResponder.Intake;

/// <summary>What happened to one alert, as the intake response reports it.</summary>
public static class IngestOutcomes
{
    public const string Opened = "opened";
    public const string Appended = "appended";
    public const string Duplicate = "duplicate";
    public const string Resolved = "resolved";
    public const string Reopened = "reopened";
    /// <summary>A resolution for an alert with no live incident: nothing to do.</summary>
    public const string Ignored = "ignored";

    /// <summary>The word the sender is answered for what the lifecycle did.</summary>
    public static string Of(AlertOutcome outcome) => outcome switch
    {
        AlertOutcome.Opened => Opened,
        AlertOutcome.Appended => Appended,
        AlertOutcome.Resolved => Resolved,
        AlertOutcome.Reopened => Reopened,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}

public sealed record IngestResult(string? IncidentId, string Outcome);
