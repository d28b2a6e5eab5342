using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>
/// A real Azurite for the integration tests: the one named by AUTORESPONDER_TEST_STORAGE (a connection
/// string), or else one this fixture starts in memory on free loopback ports from the repo's node_modules
/// (installed by `npm ci`) and stops when the tests end.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process? _azurite;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable("AUTORESPONDER_TEST_STORAGE");
        if (!string.IsNullOrWhiteSpace(given)) { ConnectionString = given; return; }

        var root = RepoRoot();
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
            throw new InvalidOperationException($"Azurite is not installed: run `npm ci` in {root} (or scripts/test.sh).");

        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--silent", "--skipApiVersionCheck", "--loose", "--inMemoryPersistence",
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _azurite = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        var pids = Directory.CreateDirectory(Path.Combine(root, ".azurite-test"));
        await File.WriteAllTextAsync(Path.Combine(pids.FullName, $"{_azurite.Id}.pid"), _azurite.Id.ToString());

        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var port in new[] { blob, queue, table })
            while (!await CanConnectAsync(port))
            {
                if (_azurite.HasExited || DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"Azurite did not start: {await _azurite.StandardError.ReadToEndAsync()}");
                await Task.Delay(100);
            }

        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public Task DisposeAsync()
    {
        if (_azurite is { HasExited: false })
        {
            _azurite.Kill(entireProcessTree: true);
            _azurite.WaitForExit(5000);
        }
        if (_azurite is not null)
            File.Delete(Path.Combine(RepoRoot(), ".azurite-test", $"{_azurite.Id}.pid"));
        return Task.CompletedTask;
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AutoResponder.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (AutoResponder.sln).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> CanConnectAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException) { return false; }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
