using AutoResponder.Composition;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>
/// The real composition root over the test Azurite, isolated by a fresh storage prefix, with a
/// fake clock (<see cref="TimerWatchingClock"/>). Settings and services can be overridden per test. Optional features (Teams, status
/// emails, reminders) start disabled; a test enables the one it exercises. Impact needs rules to do anything.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public ServiceProvider Services { get; }
    public TimerWatchingClock Time { get; }
    public StorageClients Storage => Services.GetRequiredService<StorageClients>();
    public string Prefix { get; }

    private TestApp(ServiceProvider services, TimerWatchingClock time, string prefix)
    {
        Services = services;
        Time = time;
        Prefix = prefix;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public static async Task<TestApp> StartAsync(
        AzuriteFixture azurite,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..10];
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [StorageClients.PrefixSetting] = prefix,
            // Optional features are off unless a test turns its own on, so each test sees only the outbox
            // actions it is about.
            ["AutoResponder:Teams:Enabled"] = "false",
            ["AutoResponder:StatusEmails:Enabled"] = "false",
            ["AutoResponder:Reminders:Enabled"] = "false",
            // Graph's Teams limits would make a test wait on its FakeTimeProvider; tests of the limits set them.
            ["AutoResponder:Teams:Limits:ChannelRequestsPerSecond"] = "1000",
            ["AutoResponder:Teams:Limits:MessagePostsPerSecond"] = "1000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var time = new TimerWatchingClock(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAutoResponder(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<StorageSetup>().EnsureCreatedAsync();
        return new TestApp(provider, time, prefix);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
