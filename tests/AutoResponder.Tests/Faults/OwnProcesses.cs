using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.Faults;

/// <summary>
/// Processes a fault test starts and stops itself, by PID only. Each is recorded in `.azurite-test/` so that
/// `.ci/run` can stop it if the test run itself dies.
/// </summary>
internal static class OwnProcesses
{
    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    public const int SigTerm = 15;

    /// <summary>Sends SIGTERM to one process we started (Process.Kill sends SIGKILL).</summary>
    public static void Terminate(Process process)
    {
        if (!process.HasExited) SysKill(process.Id, SigTerm);
    }

    public static Process Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var folder = Directory.CreateDirectory(Path.Combine(AzuriteFixture.RepoRoot(), ".azurite-test"));
        File.WriteAllText(Path.Combine(folder.FullName, $"{process.Id}.pid"), process.Id.ToString());
        return process;
    }

    /// <summary>Waits (bounded) for exit, then forgets the PID file.</summary>
    public static async Task<bool> WaitForExitAsync(Process process, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { return false; }
        Forget(process);
        return true;
    }

    /// <summary>SIGKILL, for the last resort and for the "host killed" fault.</summary>
    public static async Task KillAsync(Process process)
    {
        try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } // already gone
        await WaitForExitAsync(process, TimeSpan.FromSeconds(30));
    }

    public static void Forget(Process process) =>
        File.Delete(Path.Combine(AzuriteFixture.RepoRoot(), ".azurite-test", $"{process.Id}.pid"));

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<bool> CanConnectAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException) { return false; }
    }
}

/// <summary>
/// An Azurite this test owns, persisting to a folder on disk (not in memory) so it can be stopped and started again
/// on the same ports with the same data, as storage coming back after an outage.
/// </summary>
internal sealed class DiskAzurite : IAsyncDisposable
{
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process? _process;
    private readonly List<string> _output = [];

    public string Location { get; } = Directory.CreateTempSubdirectory("autoresponder-faults-azurite-").FullName;
    public int BlobPort { get; } = OwnProcesses.FreePort();
    public int QueuePort { get; } = OwnProcesses.FreePort();
    public int TablePort { get; } = OwnProcesses.FreePort();
    public int Starts { get; private set; }

    public static string ConnectionString(int blob, int queue, int table) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";

    public string DirectConnectionString => ConnectionString(BlobPort, QueuePort, TablePort);

    public async Task StartAsync()
    {
        var script = Path.Combine(AzuriteFixture.RepoRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script)) throw new InvalidOperationException("Azurite is not installed: run `npm ci` (or scripts/test.sh).");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--silent", "--skipApiVersionCheck", "--loose", "--location", Location,
                "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        lock (_output) _output.Clear();
        var process = OwnProcesses.Start(start);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;

        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
            while (!await OwnProcesses.CanConnectAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"Azurite did not start on its ports: {Output()}");
                await Task.Delay(50);
            }
    }

    /// <summary>
    /// Stops Azurite the way an operator would: SIGTERM, which closes the services and saves their databases to disk
    /// ("… successfully closed"), then a second SIGTERM, which ends the process (Azurite handles only the first).
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        OwnProcesses.Terminate(process);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!process.HasExited && ClosedServices() < 3 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        OwnProcesses.Terminate(process);
        if (!await OwnProcesses.WaitForExitAsync(process, TimeSpan.FromSeconds(20)))
            await OwnProcesses.KillAsync(process);
        process.Dispose();
    }

    private int ClosedServices()
    {
        lock (_output) return _output.Count(line => line.Contains("successfully closed", StringComparison.Ordinal));
    }

    public string Output()
    {
        lock (_output) return string.Join('\n', _output.TakeLast(30));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(Location, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
