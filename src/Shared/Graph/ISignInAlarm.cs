namespace AutoResponder.Graph;

/// <summary>
/// Raised when work is waiting for the Graph service account to sign in again, so a person hears about it
/// beyond the error log. The mail feature sends it to AutoResponder:Mail:FallbackAddress (app-only mail does
/// not depend on the delegated sign-in); without mail it does nothing.
/// </summary>
internal interface ISignInAlarm
{
    Task RaiseAsync(string incidentId, string waitingFor, CancellationToken ct);
}

internal sealed class NoSignInAlarm : ISignInAlarm
{
    public Task RaiseAsync(string incidentId, string waitingFor, CancellationToken ct) => Task.CompletedTask;
}
