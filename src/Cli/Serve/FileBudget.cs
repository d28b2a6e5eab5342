using System.Runtime.InteropServices;

namespace AutoResponder.Cli.Serve;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE) on Linux. At start the soft limit is raised to the hard limit (the
/// .NET runtime usually does this already; doing it here makes it certain and tells us the budget), and the connection
/// cap is derived from what is left once <see cref="Reserve"/> handles are kept for the host itself: ~275 at rest
/// (assemblies, epoll, pipes, storage connections) plus room for a storm's storage connections and for loading what a
/// first request needs. Every open socket is a file: without this, 1,000 idle sockets at <c>ulimit -n 1024</c> left no
/// handle to load an assembly with.
/// </summary>
internal static class FileBudget
{
    /// <summary>
    /// Handles kept for the host's own files and storage connections, never given to client connections.
    /// </summary>
    public const int Reserve = 512;
    private const int RlimitNofile = 7; // RLIMIT_NOFILE on Linux (x64 and arm64)
    private const ulong Infinity = ulong.MaxValue;
    /// <summary>Linux's default fs.nr_open: the most a soft limit of "unlimited" can be raised to.</summary>
    private const ulong NrOpen = 1 << 20;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Soft;
        public ulong Hard;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, ref RLimit limit);

    /// <summary>
    /// The soft limit before and after raising it to the hard limit; null where there is none to read (not Linux).
    /// </summary>
    public static (long Before, long Now, long Hard)? RaiseToHardLimit()
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, out var limit) != 0) return null;
        var before = limit.Soft;
        var target = limit.Hard == Infinity ? NrOpen : limit.Hard;
        var raised = new RLimit { Soft = target, Hard = limit.Hard };
        if (limit.Soft < target && SetRLimit(RlimitNofile, ref raised) == 0) limit.Soft = target;
        return (Clamp(before), Clamp(limit.Soft), Clamp(limit.Hard));
    }

    /// <summary>
    /// Connections the host can hold with <paramref name="softLimit"/> files open at most: what is left after
    /// <see cref="Reserve"/>.
    /// </summary>
    public static int ConnectionsFor(long softLimit)
        => (int)Math.Clamp(softLimit - Reserve, ServeLimits.MinConnections, ServeLimits.MaxConnectionsCeiling);

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;
}
