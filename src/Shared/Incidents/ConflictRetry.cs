using AutoResponder.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.Incidents;

/// <summary>
/// The one policy for optimistic-concurrency races on incident data (an ETag that moved, a row another writer added):
/// reread and retry with jitter, at most <see cref="AutoResponderOptions.ConflictRetries"/> times in a row
/// (AutoResponder:ConflictRetries, default 10); then <see cref="IncidentBusyException"/>, which the API answers 503
/// with Retry-After — never a 500.
/// </summary>
public sealed class ConflictRetry(IOptions<AutoResponderOptions> options)
{
    /// <summary>Whether the writer gives up after its <paramref name="attempt"/>-th lost race in a row.</summary>
    public bool GivesUp(int attempt) => attempt >= options.Value.ConflictRetries;

    /// <summary>
    /// After a lost race: wait with jitter (so instances stop colliding), or give up busy once the budget is spent.
    /// </summary>
    /// <exception cref="IncidentBusyException">The budget is spent.</exception>
    public async Task LostRaceAsync(string incidentId, int attempt, CancellationToken ct)
    {
        if (GivesUp(attempt)) throw new IncidentBusyException(incidentId);
        await Task.Delay(Jitter(attempt), ct);
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th lost race in a row.</summary>
    public static TimeSpan Jitter(int attempt)
        => TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * Math.Max(1, attempt)));
}
