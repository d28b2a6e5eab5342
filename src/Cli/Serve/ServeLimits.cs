using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Cli.Serve;

/// <summary>
/// Connection limits of the standalone host ("AutoResponder:Serve:…"), so idle or slow sockets cannot exhaust
/// its file descriptors: at most <see cref="MaxConnections"/> open connections (more are closed at once), a
/// connection that sends no complete request headers within <see cref="RequestHeadersSeconds"/> is dropped, and
/// an idle keep-alive connection is closed after <see cref="KeepAliveSeconds"/>. The outbox runs first notices on
/// <see cref="FirstNoticeWorkers"/> workers and follow-up work on <see cref="FollowUpWorkers"/> others.
/// </summary>
public sealed class ServeLimits
{
    public const string Section = "AutoResponder:Serve";

    public int MaxConnections { get; set; } = 500;
    public int RequestHeadersSeconds { get; set; } = 10;
    public int KeepAliveSeconds { get; set; } = 30;
    /// <summary>Incidents whose first notice runs at once (the first-notice queue).</summary>
    public int FirstNoticeWorkers { get; set; } = 16;
    /// <summary>Incidents whose follow-up work runs at once (the outbox queue).</summary>
    public int FollowUpWorkers { get; set; } = 4;

    public static ServeLimits From(IConfiguration configuration)
    {
        var limits = new ServeLimits();
        configuration.GetSection(Section).Bind(limits);
        var errors = new List<string>();
        if (limits.MaxConnections is < 10 or > 100_000) errors.Add($"{Section}:MaxConnections must be between 10 and 100000 (is {limits.MaxConnections}).");
        if (limits.RequestHeadersSeconds is < 1 or > 300) errors.Add($"{Section}:RequestHeadersSeconds must be between 1 and 300 (is {limits.RequestHeadersSeconds}).");
        if (limits.KeepAliveSeconds is < 1 or > 3600) errors.Add($"{Section}:KeepAliveSeconds must be between 1 and 3600 (is {limits.KeepAliveSeconds}).");
        if (limits.FirstNoticeWorkers is < 1 or > 64) errors.Add($"{Section}:FirstNoticeWorkers must be between 1 and 64 (is {limits.FirstNoticeWorkers}).");
        if (limits.FollowUpWorkers is < 1 or > 64) errors.Add($"{Section}:FollowUpWorkers must be between 1 and 64 (is {limits.FollowUpWorkers}).");
        if (errors.Count > 0) throw new InvalidOperationException(string.Join(" ", errors));
        return limits;
    }

    public void Apply(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxConcurrentConnections = MaxConnections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = MaxConnections;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(RequestHeadersSeconds);
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(KeepAliveSeconds);
        kestrel.AddServerHeader = false;
    }
}
