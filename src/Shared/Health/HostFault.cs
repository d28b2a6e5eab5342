namespace AutoResponder.Health;

/// <summary>
/// A state this process cannot leave. The runtime remembers a failed assembly load and a failed type initializer for
/// the life of the process (they fail the same way on every later call, even once the cause — say, no file handle
/// left — is gone), so answering on would mean 500 for ever. The host that sees one records it here: <c>/api/health</c>
/// reports the <c>host</c> check failing with the reason, requests answer 503, and the standalone host stops and exits
/// non-zero so its supervisor starts a fresh process.
/// </summary>
public sealed class HostFault
{
    private string? _reason;

    /// <summary>Why this process must be restarted; null while it is sound.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Records the first unrecoverable failure; true when this call recorded it.</summary>
    public bool Record(Exception e)
    {
        var cause = Unrecoverable(e) ?? e;
        return Interlocked.CompareExchange(ref _reason,
            $"{cause.GetType().Name}: {cause.Message.Split('\n', 2)[0].Trim()}", null) is null;
    }

    /// <summary>
    /// The exception in <paramref name="e"/> (or its inner ones) that no retry in this process can cure, or null.
    /// </summary>
    public static Exception? Unrecoverable(Exception? e)
    {
        for (var depth = 0; e is not null && depth < 8; e = e.InnerException, depth++)
            if (e is TypeInitializationException or TypeLoadException or BadImageFormatException or FileLoadException ||
                // an assembly, not a data file
                (e is FileNotFoundException missing
                    && missing.FileName?.Contains("Version=", StringComparison.Ordinal) == true))
                return e;
        return null;
    }

    public HealthCheckResult Check() => Reason is { } reason
        ? new HealthCheckResult("host", HealthCheckResult.Failing,
            $"this process cannot recover and is restarting: {reason}")
        : new HealthCheckResult("host", HealthCheckResult.Ok, "no unrecoverable fault");
}
