using AutoResponder.FunctionsHost;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>
/// The worker-protocol tests start real processes (the Function app's worker, their own Azurite), so they run one at
/// a time in their own collection, over one Azurite that no other test writes to (the outbox queue is unprefixed).
/// </summary>
[CollectionDefinition(Name)]
public sealed class WorkerProtocolCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Worker protocol";
}

public static class WorkerProtocolRig
{
    /// <summary>The built Function app next to this test build: src/Functions/bin/{Debug|Release}/net10.0.</summary>
    public static string AppDirectory()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        return Path.Combine(AzuriteFixture.RepoRoot(), "src", "Functions", "bin", configuration, "net10.0");
    }

    /// <summary>A storage prefix of its own, so a test's tables and containers are its own (the outbox queue is shared).</summary>
    public static string NewPrefix() => "w" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Starts the Function app with <paramref name="settings"/>; the queue is drained by the test unless <paramref name="pollQueues"/>.</summary>
    public static Task<FunctionApp> StartAsync(IReadOnlyDictionary<string, string> settings, bool pollQueues = false) =>
        FunctionApp.StartAsync(new FunctionAppOptions
        {
            AppDirectory = AppDirectory(),
            Settings = settings,
            PollQueues = pollQueues,
            QueueVisibilityTimeout = TimeSpan.Zero,
        });
}
