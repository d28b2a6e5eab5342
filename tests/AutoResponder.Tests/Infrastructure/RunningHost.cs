using System.Net;
using System.Net.Sockets;
using AutoResponder.Cli.Serve;
using AutoResponder.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>The standalone host (`autoresponder serve`) listening on a free loopback port over the test Azurite.</summary>
public sealed class RunningHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    public HttpClient Client { get; }
    public StorageClients Storage => _app.Services.GetRequiredService<StorageClients>();
    public IServiceProvider Services => _app.Services;

    private RunningHost(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public static Task<RunningHost> StartAsync(AzuriteFixture azurite, string? apiKey = null, params string[] settings) =>
        StartAsync(azurite, apiKey, null, settings);

    /// <summary>
    /// With <paramref name="configure"/> a test replaces services (a fake clock, a fake Graph wire). Remove the
    /// background pumps with <see cref="WithoutBackgroundWork"/> when the test drives the outbox itself.
    /// </summary>
    public static async Task<RunningHost> StartAsync(AzuriteFixture azurite, string? apiKey, Action<IServiceCollection>? configure, params string[] settings)
    {
        var port = FreePort();
        var args = new List<string>
        {
            $"--AzureWebJobsStorage={azurite.ConnectionString}",
            $"--{StorageClients.PrefixSetting}=h{Guid.NewGuid():N}"[..(StorageClients.PrefixSetting.Length + 14)],
            "--Logging:LogLevel:Default=Warning",
        };
        if (apiKey is not null) args.Add($"--AutoResponder:ApiKey={apiKey}");
        args.AddRange(settings.Select(s => "--" + s));
        var app = StandaloneHost.Build(args.ToArray(), $"http://127.0.0.1:{port}", configure);
        await app.StartAsync();
        return new RunningHost(app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Removes the outbox queue pump and the timer service: the test runs the outbox and the sweeps itself.</summary>
    public static void WithoutBackgroundWork(IServiceCollection services)
    {
        foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService)
                     && (d.ImplementationType == typeof(OutboxQueuePump) || d.ImplementationType == typeof(ScheduledJobsService))).ToList())
            services.Remove(hosted);
    }

    public Uri BaseAddress => Client.BaseAddress!;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
