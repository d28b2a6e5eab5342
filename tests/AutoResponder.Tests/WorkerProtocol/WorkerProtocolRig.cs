using System.Text;
using AutoResponder.Access;
using AutoResponder.FunctionsHost;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>
/// The worker-protocol tests start real processes (the Function app's worker and an Azurite of each test's own: the
/// Function app uses no storage prefix, as in Azure, where the queue trigger listens on the unprefixed outbox queue),
/// so they run one at a time in their own collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WorkerProtocolCollection
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

    /// <summary>An Azurite of the test's own (in memory, stopped on dispose): the Function app's storage account.</summary>
    public static async Task<OwnStorage> StorageAsync()
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        return new OwnStorage(azurite);
    }

    public sealed class OwnStorage(AzuriteFixture azurite) : IAsyncDisposable
    {
        public string ConnectionString => azurite.ConnectionString;
        public async ValueTask DisposeAsync() => await azurite.DisposeAsync();
    }

    /// <summary>
    /// Starts the Function app with <paramref name="settings"/>; the queue is drained by the test unless <paramref name="pollQueues"/>.
    /// The timer schedules infra writes are added where the test sets none (the Functions host has no default for a
    /// <c>%Setting%</c> schedule).
    /// </summary>
    public static async Task<FunctionApp> StartAsync(IReadOnlyDictionary<string, string> settings, bool pollQueues = false)
    {
        var all = new Dictionary<string, string>(settings);
        foreach (var (name, schedule) in await InfraSettings.SchedulesAsync()) all.TryAdd(name, schedule);
        return await FunctionApp.StartAsync(new FunctionAppOptions
        {
            AppDirectory = AppDirectory(),
            Settings = all,
            PollQueues = pollQueues,
            QueueVisibilityTimeout = TimeSpan.Zero,
        });
    }

    /// <summary>A personal access token in the Function app's storage (what `autoresponder tokens create` does), for the API and the console.</summary>
    public static async Task<string> CreateTokenAsync(IReadOnlyDictionary<string, string> settings, string name, params string[] roles)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":"), (string?)s.Value))).Build();
        var tokens = new PersonalAccessTokens(StorageClients.FromConfiguration(configuration), TimeProvider.System);
        await tokens.EnsureCreatedAsync(CancellationToken.None);
        return (await tokens.CreateAsync(name, roles, CancellationToken.None)).Token;
    }

    /// <summary>
    /// Waits for what another process does (the worker is a real process, so this is real time): checks again every
    /// 50 ms and returns as soon as <paramref name="condition"/> holds; fails naming <paramref name="what"/> after 30 s.
    /// </summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, string what, FunctionApp? app = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Never happened: {what}\n{app?.Output}");
            await Task.Delay(50);
        }
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
