using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

/// <summary>
/// What a Graph call to a channel is, for the limits: a new message (post, reply) or an edit; a first notice or
/// follow-up work; and whether it is the channel's storm digest (a first notice for the incidents it lists, but after
/// the own posts).
/// </summary>
internal readonly record struct TeamsCall(string TeamId, string ChannelId, bool NewMessage, bool FirstNotice,
    bool Digest = false);

/// <summary>
/// Keeps this instance's Teams calls within <see cref="TeamsLimits"/>: a sliding window per channel (any request) and
/// one for new messages across channels. A caller waits (on the
/// <see cref="TimeProvider"/>) until both have a token; follow-up work waits while a first notice does, so a storm of
/// replies never takes a first notice's turn, and a storm digest's post or edit waits while an incident's own first
/// post does, so a Sev0/Sev1 is not queued behind a digest kept busy by a storm. A 429 pauses its channel until the
/// Retry-After has passed.
/// </summary>
internal sealed class TeamsRateLimiter(IOptions<TeamsOptions> options, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string, string), Window> _channels = [];
    private Window? _posts;
    private int _firstNoticesWaiting;
    /// <summary>Own first posts waiting, per channel: that channel's digest steps aside for them.</summary>
    private readonly Dictionary<(string, string), int> _ownPostsWaiting = [];
    private readonly long _origin = time.GetTimestamp();

    /// <summary>How long follow-up work steps aside, in real time, while a first notice waits for its turn.</summary>
    private static readonly TimeSpan FirstNoticeTurn = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Monotonic time from the <see cref="TimeProvider"/>'s timestamps, not its wall clock: a clock that is set rather
    /// than run (the drill's compressed clock) would otherwise never free a token and wait for ever. A fake clock in
    /// tests moves both.
    /// </summary>
    private DateTimeOffset Now() => DateTimeOffset.UnixEpoch + time.GetElapsedTime(_origin);

    public async Task WaitAsync(TeamsCall call, CancellationToken ct)
    {
        var ownPost = call.FirstNotice && !call.Digest;
        var key = (call.TeamId, call.ChannelId);
        if (call.FirstNotice) Interlocked.Increment(ref _firstNoticesWaiting);
        if (ownPost) lock (_gate) _ownPostsWaiting[key] = _ownPostsWaiting.GetValueOrDefault(key) + 1;
        try
        {
            while (true)
            {
                TimeSpan wait;
                bool yieldToFirstNotice;
                lock (_gate)
                {
                    var now = Now();
                    var limits = options.Value.Limits;
                    var channel = Channel(call, limits);
                    _posts ??= new Window(limits.MessagePostsPerSecond);
                    wait = Max(channel.WaitFor(now), call.NewMessage ? _posts.WaitFor(now) : TimeSpan.Zero);
                    yieldToFirstNotice = (!call.FirstNotice && Volatile.Read(ref _firstNoticesWaiting) > 0)
                                         || (call.Digest && _ownPostsWaiting.ContainsKey(key));
                    if (wait <= TimeSpan.Zero && !yieldToFirstNotice)
                    {
                        channel.Take(now);
                        if (call.NewMessage) _posts.Take(now);
                        return;
                    }
                }
                // A token frees on the clock; a first notice's turn is taken in real time (it is ordering, not a rate),
                // so a follow-up never waits on a clock that nobody moves.
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
                else await Task.Delay(FirstNoticeTurn, ct);
            }
        }
        finally
        {
            if (call.FirstNotice) Interlocked.Decrement(ref _firstNoticesWaiting);
            if (ownPost)
                lock (_gate)
                    if (_ownPostsWaiting[key] == 1) _ownPostsWaiting.Remove(key);
                    else _ownPostsWaiting[key]--;
        }
    }

    /// <summary>
    /// Graph answered 429: nothing more goes to that channel from here until <paramref name="retryAfter"/> has passed.
    /// </summary>
    public void Pause(TeamsCall call, TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var now = Now();
            Channel(call, options.Value.Limits).PauseUntil(now + retryAfter);
        }
    }

    private Window Channel(TeamsCall call, TeamsLimits limits)
    {
        var key = (call.TeamId, call.ChannelId);
        if (!_channels.TryGetValue(key, out var bucket))
        {
            if (_channels.Count > 10_000) _channels.Clear(); // forgetting a channel only forgets its spent tokens
            _channels[key] = bucket = new Window(limits.ChannelRequestsPerSecond);
        }
        return bucket;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// At most n requests in any window of n / rate seconds (n = the rate rounded down, at least 1): "4 per second" is
    /// never 5 within a second, whenever they come. Keeps the times of its last n requests.
    /// </summary>
    private sealed class Window(double perSecond)
    {
        private readonly Queue<DateTimeOffset> _last = new();
        private readonly int _size = Math.Max(1, (int)Math.Floor(perSecond));
        private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
        /// <summary>A tenth spare: the time between a turn here and the request reaching Graph varies.</summary>
        private TimeSpan Length => TimeSpan.FromSeconds(1.1 * _size / perSecond);

        public TimeSpan WaitFor(DateTimeOffset now)
        {
            var wait = _pausedUntil - now;
            if (_last.Count >= _size)
            {
                var free = _last.Peek() + Length - now; // when the oldest of the last n leaves the window
                if (free > wait) wait = free;
            }
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        public void Take(DateTimeOffset now)
        {
            _last.Enqueue(now);
            while (_last.Count > _size) _last.Dequeue();
        }

        public void PauseUntil(DateTimeOffset until)
        {
            if (until > _pausedUntil) _pausedUntil = until;
        }
    }
}
