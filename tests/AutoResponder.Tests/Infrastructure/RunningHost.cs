using System.Net;
using System.Net.Sockets;
using AutoResponder.Access;
using AutoResponder.Cli.Serve;
using AutoResponder.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>
/// The standalone host (`autoresponder serve`) listening on a free loopback port over the test Azurite.
/// <see cref="Client"/> signs in as <see cref="Responder"/> (a personal access token with roles responder and
/// ops); <see cref="ClientAs"/> makes other callers.
/// </summary>
public sealed class RunningHost : IAsyncDisposable
{
    public const string Responder = "responder@shop.example";
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public StorageClients Storage => _app.Services.GetRequiredService<StorageClients>();
    public IServiceProvider Services => _app.Services;

    private RunningHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = NewClient(null);
    }

    /// <summary>A client with no credentials, or with the given bearer token.</summary>
    public HttpClient NewClient(string? bearer)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        _clients.Add(client);
        return client;
    }

    /// <summary>A client signed in with a new personal access token for <paramref name="name"/> holding <paramref name="roles"/>.</summary>
    public async Task<HttpClient> ClientAs(string name, params string[] roles) => NewClient(await CreateTokenAsync(name, roles));

    public async Task<string> CreateTokenAsync(string name, params string[] roles) =>
        (await Services.GetRequiredService<PersonalAccessTokens>().CreateAsync(name, roles, CancellationToken.None)).Token;

    public static Task<RunningHost> StartAsync(AzuriteFixture azurite, string? ingestKey = null, params string[] settings) =>
        StartAsync(azurite, ingestKey, null, settings);

    /// <summary>
    /// With <paramref name="configure"/> a test replaces services (a fake clock, a fake Graph wire). Remove the
    /// background pumps with <see cref="WithoutBackgroundWork"/> when the test drives the outbox itself.
    /// </summary>
    public static Task<RunningHost> StartAsync(AzuriteFixture azurite, string? ingestKey, Action<IServiceCollection>? configure, params string[] settings) =>
        StartOverAsync(azurite.ConnectionString, ingestKey, configure, settings);

    /// <summary>The host over the storage named by <paramref name="storageConnectionString"/> (a fault test's own Azurite).</summary>
    public static async Task<RunningHost> StartOverAsync(string storageConnectionString, string? ingestKey, Action<IServiceCollection>? configure, params string[] settings)
    {
        var port = FreePort();
        var args = new List<string>
        {
            $"--AzureWebJobsStorage={storageConnectionString}",
            $"--{StorageClients.PrefixSetting}=h{Guid.NewGuid():N}"[..(StorageClients.PrefixSetting.Length + 14)],
            "--Logging:LogLevel:Default=Warning",
            // Graph's Teams limits would make a test on a fake clock wait forever; tests of the limits set them.
            "--AutoResponder:Teams:Limits:ChannelRequestsPerSecond=1000",
            "--AutoResponder:Teams:Limits:MessagePostsPerSecond=1000",
        };
        if (ingestKey is not null) args.Add($"--AutoResponder:Access:IngestKey={ingestKey}");
        args.AddRange(settings.Select(s => "--" + s));
        var app = StandaloneHost.Build(args.ToArray(), $"http://127.0.0.1:{port}", configure);
        await app.StartAsync();
        var host = new RunningHost(app, new Uri($"http://127.0.0.1:{port}"));
        host.Client.DefaultRequestHeaders.Authorization = new("Bearer", await host.CreateTokenAsync(Responder, Roles.Responder, Roles.Ops));
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
