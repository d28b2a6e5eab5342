using System.Net;
using System.Net.Sockets;
using AutoResponder.Storage;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// What every benchmark that runs its own host needs: a free loopback port, and its storage dropped afterwards.
/// </summary>
internal static class BenchRig
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Drops the tables, queues and blob containers of one storage prefix (a benchmark host's own), so later runs start
    /// clean.
    /// </summary>
    public static async Task DropPrefixAsync(StorageClients storage, string prefix)
    {
        await foreach (var table in storage.Tables.QueryAsync(t =>
            t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0,
            cancellationToken: CancellationToken.None))
            await storage.Tables.DeleteTableAsync(table.Name, CancellationToken.None);
        var named = prefix.ToLowerInvariant() + "-";
        await foreach (var queue in storage.Queues.GetQueuesAsync(prefix: named,
            cancellationToken: CancellationToken.None))
            await storage.Queues.DeleteQueueAsync(queue.Name, CancellationToken.None);
        await foreach (var container in storage.Blobs.GetBlobContainersAsync(prefix: named,
            cancellationToken: CancellationToken.None))
            await storage.Blobs.DeleteBlobContainerAsync(container.Name, cancellationToken: CancellationToken.None);
    }
}
