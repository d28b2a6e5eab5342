using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells a test when code running on another thread has started waiting on it
/// (a <c>Task.Delay</c> or timer created, by how long). Moving the clock only once the wait is registered makes a
/// background wait deterministic: the waiter can no longer compute its delay before the clock moves and register it
/// after, which would push its end past where the test moves the clock.
/// </summary>
public sealed class TimerWatchingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<TimeSpan, int> _created = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _created.AddOrUpdate(dueTime, 1, (_, n) => n + 1);
        Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return timer;
    }

    /// <summary>
    /// Runs <paramref name="start"/> and returns what it returns once something (on any thread) has started waiting
    /// <paramref name="due"/> on this clock; fails if nothing does within 10 s.
    /// </summary>
    public async Task<T> UntilWaitingAsync<T>(Func<T> start, TimeSpan due)
    {
        var before = _created.GetValueOrDefault(due);
        var started = start();
        var bound = Task.Delay(Bound);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (_created.GetValueOrDefault(due) > before) return started;
            if (await Task.WhenAny(changed, bound) == bound) Assert.Fail($"Nothing started waiting {due} on the clock");
        }
    }

    /// <inheritdoc cref="UntilWaitingAsync{T}(Func{T}, TimeSpan)"/>
    public Task UntilWaitingAsync(Action start, TimeSpan due) => UntilWaitingAsync(() => { start(); return 0; }, due);
}
