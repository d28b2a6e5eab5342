using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

/// <summary>What a Graph call to a channel is, for the limits: a new message (post, reply) or an edit; a first notice or follow-up work.</summary>
public readonly record struct TeamsCall(string TeamId, string ChannelId, bool NewMessage, bool FirstNotice);

/// <summary>
/// Keeps this instance's Teams calls within <see cref="TeamsLimits"/>: a token bucket per channel (any request) and
/// one for new messages across channels, each holding at most one second's worth. A caller waits (on the
/// <see cref="TimeProvider"/>) until both have a token; follow-up work waits while a first notice does, so a storm of
/// replies never takes a first notice's turn. A 429 pauses its channel until the Retry-After has passed.
/// </summary>
public sealed class TeamsRateLimiter(IOptions<TeamsOptions> options, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string, string), Bucket> _channels = [];
    private Bucket? _posts;
    private int _firstNoticesWaiting;

    public async Task WaitAsync(TeamsCall call, CancellationToken ct)
    {
        if (call.FirstNotice) Interlocked.Increment(ref _firstNoticesWaiting);
        try
        {
            while (true)
            {
                TimeSpan wait;
                lock (_gate)
                {
                    var now = time.GetUtcNow();
                    var limits = options.Value.Limits;
                    var channel = Channel(call, limits);
                    _posts ??= new Bucket(limits.MessagePostsPerSecond, now);
                    wait = Max(channel.WaitFor(now), call.NewMessage ? _posts.WaitFor(now) : TimeSpan.Zero);
                    if (!call.FirstNotice && Volatile.Read(ref _firstNoticesWaiting) > 0) wait = Max(wait, TimeSpan.FromSeconds(1 / limits.MessagePostsPerSecond));
                    if (wait <= TimeSpan.Zero)
                    {
                        channel.Take(now);
                        if (call.NewMessage) _posts.Take(now);
                        return;
                    }
                }
                await Task.Delay(wait, time, ct);
            }
        }
        finally
        {
            if (call.FirstNotice) Interlocked.Decrement(ref _firstNoticesWaiting);
        }
    }

    /// <summary>Graph answered 429: nothing more goes to that channel from here until <paramref name="retryAfter"/> has passed.</summary>
    public void Pause(TeamsCall call, TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            Channel(call, options.Value.Limits).PauseUntil(now + retryAfter);
        }
    }

    private Bucket Channel(TeamsCall call, TeamsLimits limits)
    {
        var key = (call.TeamId, call.ChannelId);
        if (!_channels.TryGetValue(key, out var bucket))
        {
            if (_channels.Count > 10_000) _channels.Clear(); // forgetting a channel only forgets its spent tokens
            _channels[key] = bucket = new Bucket(limits.ChannelRequestsPerSecond, time.GetUtcNow());
        }
        return bucket;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A token bucket of one second's capacity, refilled continuously.</summary>
    private sealed class Bucket(double perSecond, DateTimeOffset now)
    {
        private double _tokens = Math.Max(1, perSecond);
        private DateTimeOffset _updated = now;
        private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;

        public TimeSpan WaitFor(DateTimeOffset now)
        {
            Refill(now);
            if (now < _pausedUntil) return _pausedUntil - now;
            return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / perSecond);
        }

        public void Take(DateTimeOffset now)
        {
            Refill(now);
            _tokens -= 1;
        }

        public void PauseUntil(DateTimeOffset until)
        {
            if (until > _pausedUntil) _pausedUntil = until;
        }

        private void Refill(DateTimeOffset now)
        {
            if (now <= _updated) return;
            _tokens = Math.Min(Math.Max(1, perSecond), _tokens + (now - _updated).TotalSeconds * perSecond);
            _updated = now;
        }
    }
}
