using System.Net;
using System.Net.Sockets;
using AutoResponder.Cli.Serve;
using AutoResponder.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

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

    public static async Task<RunningHost> StartAsync(AzuriteFixture azurite, string? apiKey = null, params string[] settings)
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
        var app = StandaloneHost.Build(args.ToArray(), $"http://127.0.0.1:{port}");
        await app.StartAsync();
        return new RunningHost(app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
