using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AutoResponder.Cli.Serve;

/// <summary>
/// Connection limits of the standalone host ("AutoResponder:Serve:…"), so idle or slow sockets cannot exhaust
/// its file descriptors: at most <see cref="Connections"/> open connections (more are closed at once; by default what
/// the open-file limit leaves, see <see cref="FileBudget"/>), and a
/// connection that does not send a request's complete headers within <see cref="RequestHeadersSeconds"/> — its first
/// request or its next one — is closed.
/// <para>
/// Kestrel waits for a connection's first byte on its keep-alive timer (RequestHeadersTimeout starts only once a
/// request has begun), so a socket that never sends anything was held for the keep-alive time: both are set to
/// <see cref="RequestHeadersSeconds"/>. Kestrel checks its timers once a second, so a socket goes within a second of
/// it.
/// </para>
/// The outbox runs first notices on <see cref="FirstNoticeWorkers"/> workers and follow-up work on
/// <see cref="FollowUpWorkers"/> others.
/// </summary>
internal sealed class ServeLimits
{
    public const string Section = "AutoResponder:Serve";

    public const int MinConnections = 10;
    public const int MaxConnectionsCeiling = 100_000;

    /// <summary>
    /// Open connections at most. Unset: derived from the open-file budget (<see cref="FileBudget.ConnectionsFor"/>);
    /// set: never more than that budget either.
    /// </summary>
    public int? MaxConnections { get; set; }
    public int RequestHeadersSeconds { get; set; } = 10;
    /// <summary>
    /// Incidents whose first notice runs at once (the first-notice queue). A first notice mostly waits on storage and
    /// Graph, and a storm opens its incidents in a burst (200 within a second or two): 64 drain a storm's digest
    /// listings about twice as fast as 16, so a new incident behind them waits less (measured with <c>bench
    /// notify</c>).
    /// </summary>
    public int FirstNoticeWorkers { get; set; } = 64;
    /// <summary>Incidents whose follow-up work runs at once (the outbox queue).</summary>
    public int FollowUpWorkers { get; set; } = 4;

    public static ServeLimits From(IConfiguration configuration)
    {
        var limits = new ServeLimits();
        configuration.GetSection(Section).Bind(limits);
        var errors = new List<string>();
        if (limits.MaxConnections is < MinConnections or > MaxConnectionsCeiling)
            errors.Add($"{Section}:MaxConnections must be between {MinConnections} and {MaxConnectionsCeiling} (is " +
                $"{limits.MaxConnections}).");
        if (limits.RequestHeadersSeconds is < 1 or > 300)
            errors.Add($"{Section}:RequestHeadersSeconds must be between 1 and 300 (is " +
                $"{limits.RequestHeadersSeconds}).");
        if (limits.FirstNoticeWorkers is < 1 or > 64)
            errors.Add($"{Section}:FirstNoticeWorkers must be between 1 and 64 (is {limits.FirstNoticeWorkers}).");
        if (limits.FollowUpWorkers is < 1 or > 64)
            errors.Add($"{Section}:FollowUpWorkers must be between 1 and 64 (is {limits.FollowUpWorkers}).");
        if (errors.Count > 0) throw new InvalidOperationException(string.Join(" ", errors));
        return limits;
    }

    /// <summary>
    /// The connection cap with <paramref name="openFiles"/> as the soft open-file limit (null: unknown, not Linux).
    /// </summary>
    public int Connections(long? openFiles) => openFiles is { } files
        ? Math.Min(MaxConnections ?? int.MaxValue, FileBudget.ConnectionsFor(files))
        : MaxConnections ?? 500;

    public void Apply(KestrelServerOptions kestrel, int connections)
    {
        kestrel.Limits.MaxConcurrentConnections = connections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = connections;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(RequestHeadersSeconds);
        // also the wait for a first request
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(RequestHeadersSeconds);
        kestrel.AddServerHeader = false;
    }
}
