using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells a test when code running on another thread has started waiting on it
/// (a <c>Task.Delay</c> or timer created). Moving the clock only once the wait is registered makes a background loop's
/// timing deterministic: the loop can no longer compute its delay before the clock moves and register it after.
/// </summary>
public sealed class TimerWatchingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly SemaphoreSlim _timersCreated = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timersCreated.Release();
        return timer;
    }

    /// <summary>Waits until one more timer has been created since the last call; false if none is within 10 s.</summary>
    public Task<bool> TimerCreatedAsync() => _timersCreated.WaitAsync(TimeSpan.FromSeconds(10));
}
