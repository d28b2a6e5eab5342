using AutoResponder.Alerts;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

/// <summary>
/// What a Graph call to a channel is, for the limits: a new message (post, reply) or an edit; a first notice or
/// follow-up work; whether it is the channel's storm digest (a first notice for the incidents it lists, but after
/// the own posts); and, for an own first post, its incident's severity (the most severe goes first).
/// </summary>
internal readonly record struct TeamsCall(string TeamId, string ChannelId, bool NewMessage, bool FirstNotice,
    bool Digest = false, Severity Severity = Severity.Sev4);

/// <summary>
/// Keeps this instance's Teams calls within <see cref="TeamsLimits"/>: a sliding window per channel (any request) and
/// one for new messages across channels. A caller waits (on the <see cref="TimeProvider"/>) until both have a turn and
/// holds it (<see cref="Turn"/>) until its call has its answer: a window counts a request from when it was answered,
/// so n + 1 requests are never within one window however long each spends on its way to Graph (Graph sees a request
/// before it answers it). Follow-up work waits while a first notice does, so a storm of replies never takes a first
/// notice's turn, and a storm digest's post or edit waits while an incident's own first post does and leaves one of the
/// channel's turns free, so a Sev0/Sev1 is not queued behind a digest kept busy by a storm; among own first posts the
/// most severe incident goes first. A 429 pauses its channel until the Retry-After has passed; a caller facing more
/// than <see cref="LongestPauseWaited"/> of it goes back to the outbox instead of waiting.
/// </summary>
internal sealed class TeamsRateLimiter(IOptions<TeamsOptions> options, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string, string), Window> _channels = [];
    private Window? _posts;
    private int _firstNoticesWaiting;
    /// <summary>
    /// Own first posts waiting, per channel and severity: that channel's digest steps aside for them, and a post for
    /// less severe incidents steps aside for a more severe one.
    /// </summary>
    private readonly Dictionary<(string, string), int[]> _ownPostsWaiting = [];
    private readonly long _origin = time.GetTimestamp();

    /// <summary>
    /// The longest pause (a 429's Retry-After) a caller waits out here; a longer one throws
    /// <see cref="DependencyThrottledException"/> and its action comes back when the pause ends.
    /// </summary>
    public static readonly TimeSpan LongestPauseWaited = TimeSpan.FromSeconds(2);

    /// <summary>How long follow-up work steps aside, in real time, while a first notice waits for its turn.</summary>
    private static readonly TimeSpan FirstNoticeTurn = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Monotonic time from the <see cref="TimeProvider"/>'s timestamps, not its wall clock: a clock that is set rather
    /// than run (the drill's compressed clock) would otherwise never free a token and wait for ever. A fake clock in
    /// tests moves both.
    /// </summary>
    private DateTimeOffset Now() => DateTimeOffset.UnixEpoch + time.GetElapsedTime(_origin);

    /// <summary>
    /// Waits for a turn for <paramref name="call"/>; dispose the turn when the call has its answer (or failed).
    /// </summary>
    public async Task<Turn> WaitAsync(TeamsCall call, CancellationToken ct)
    {
        var ownPost = call.FirstNotice && !call.Digest;
        var key = (call.TeamId, call.ChannelId);
        if (call.FirstNotice) Interlocked.Increment(ref _firstNoticesWaiting);
        var severity = Math.Clamp((int)call.Severity, 0, (int)Severity.Sev4);
        if (ownPost)
            lock (_gate)
            {
                if (!_ownPostsWaiting.TryGetValue(key, out var waiting))
                    _ownPostsWaiting[key] = waiting = new int[(int)Severity.Sev4 + 1];
                waiting[severity]++;
            }
        try
        {
            while (true)
            {
                Window.Wait wait;
                bool yieldToFirstNotice;
                lock (_gate)
                {
                    var now = Now();
                    var limits = options.Value.Limits;
                    var channel = Channel(call, limits);
                    // Paused by a 429 for longer than is worth holding a worker for: back to the outbox, due then.
                    if (channel.PausedFor(now) is var paused && paused > LongestPauseWaited)
                        throw new DependencyThrottledException(
                            $"The Teams channel is paused by Graph's throttling (429) for another {paused.TotalSeconds:0} s", paused);
                    _posts ??= new Window(limits.MessagePostsPerSecond);
                    // A digest leaves one of the channel's turns free: a Sev0/Sev1 post in a storm finds one at once.
                    wait = channel.WaitFor(now, keepFree: call.Digest ? 1 : 0);
                    if (call.NewMessage) wait = Window.Wait.Longer(wait, _posts.WaitFor(now));
                    yieldToFirstNotice = (!call.FirstNotice && Volatile.Read(ref _firstNoticesWaiting) > 0)
                                         || (call.Digest && _ownPostsWaiting.ContainsKey(key))
                                         || (ownPost && MoreSevereWaiting(key, severity));
                    if (wait.Free && !yieldToFirstNotice)
                    {
                        var turn = new Turn(this);
                        channel.Take(turn);
                        if (call.NewMessage) _posts.Take(turn);
                        return turn;
                    }
                }
                // A turn frees on the clock, or when a request still waiting for its answer has it; a first notice's
                // turn is taken in real time (it is ordering, not a rate), so a follow-up never waits on a clock that
                // nobody moves.
                if (wait.Answer is { } answer) await answer.WaitAsync(ct);
                else if (wait.For > TimeSpan.Zero) await Task.Delay(wait.For, time, ct);
                else await Task.Delay(FirstNoticeTurn, ct);
            }
        }
        finally
        {
            if (call.FirstNotice) Interlocked.Decrement(ref _firstNoticesWaiting);
            if (ownPost)
                lock (_gate)
                {
                    var waiting = _ownPostsWaiting[key];
                    waiting[severity]--;
                    if (waiting.All(n => n == 0)) _ownPostsWaiting.Remove(key);
                }
        }
    }

    private bool MoreSevereWaiting((string, string) channel, int severity)
    {
        var waiting = _ownPostsWaiting[channel];
        for (var more = 0; more < severity; more++)
            if (waiting[more] > 0) return true;
        return false;
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

    private void Answered(Turn turn)
    {
        lock (_gate) turn.AnsweredAt = Now();
        turn.Answer.TrySetResult();
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

    /// <summary>
    /// A request's turn: held from its start until it has Graph's answer (dispose it then); the windows count it from
    /// that answer.
    /// </summary>
    internal sealed class Turn(TeamsRateLimiter limiter) : IDisposable
    {
        internal readonly TaskCompletionSource Answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        internal DateTimeOffset? AnsweredAt;

        public void Dispose()
        {
            if (!Answer.Task.IsCompleted) limiter.Answered(this);
        }
    }

    /// <summary>
    /// At most n requests in any window of n / rate seconds (n = the rate rounded down, at least 1): "4 per second" is
    /// never 5 within a second, whenever they come. Keeps its last n turns; one still waiting for its answer counts as
    /// now until it has it.
    /// </summary>
    private sealed class Window(double perSecond)
    {
        private readonly Queue<Turn> _last = new();
        private readonly int _size = Math.Max(1, (int)Math.Floor(perSecond));
        private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
        private TimeSpan Length => TimeSpan.FromSeconds(_size / perSecond);

        /// <summary>What a caller waits for: a time on the clock, or the answer to a request still out.</summary>
        public readonly record struct Wait(TimeSpan For, Task? Answer)
        {
            public bool Free => For <= TimeSpan.Zero && Answer is null;

            public static Wait Longer(Wait a, Wait b) => a.Answer is not null ? a : b.Answer is not null ? b
                : a.For >= b.For ? a : b;
        }

        /// <summary>
        /// How long until a turn is free, leaving <paramref name="keepFree"/> of the window's turns to others (never all).
        /// </summary>
        public Wait WaitFor(DateTimeOffset now, int keepFree = 0)
        {
            var wait = _pausedUntil - now;
            var size = Math.Max(1, _size - keepFree);
            if (_last.Count >= size)
            {
                // the oldest of the last n (n = the turns this caller may use) leaves the window a window's length after
                // its answer
                var oldest = _last.ElementAt(_last.Count - size);
                if (oldest.AnsweredAt is not { } answered) return new Wait(wait, oldest.Answer.Task);
                var free = answered + Length - now;
                if (free > wait) wait = free;
            }
            return new Wait(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, null);
        }

        public void Take(Turn turn)
        {
            _last.Enqueue(turn);
            while (_last.Count > _size) _last.Dequeue();
        }

        public TimeSpan PausedFor(DateTimeOffset now) => _pausedUntil > now ? _pausedUntil - now : TimeSpan.Zero;

        public void PauseUntil(DateTimeOffset until)
        {
            if (until > _pausedUntil) _pausedUntil = until;
        }
    }
}
