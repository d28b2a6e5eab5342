using System.Net;
using System.Net.Sockets;

namespace AutoResponder.Tests.Faults;

/// <summary>
/// The network between the host and its storage: a TCP relay per storage port. <see cref="Cut"/> resets every open
/// connection and refuses new ones (storage unreachable); <see cref="Restore"/> listens again on the same ports.
/// Cutting the link before Azurite is stopped is what lets the test know which writes storage acknowledged: Azurite
/// saves its database on the first SIGTERM while requests already inside it can still complete, and be acknowledged,
/// after that save (an emulator artefact; real storage does not lose acknowledged writes).
/// </summary>
internal sealed class StorageLink : IAsyncDisposable
{
    private readonly List<Relay> _relays;

    public StorageLink(params int[] upstreamPorts) => _relays = upstreamPorts.Select(p => new Relay(OwnProcesses.FreePort(), p)).ToList();

    public string ConnectionString => DiskAzurite.ConnectionString(_relays[0].Port, _relays[1].Port, _relays[2].Port);
    public int Cuts { get; private set; }

    public void Restore() { foreach (var relay in _relays) relay.Listen(); }

    /// <summary>Storage that hangs: connections are accepted, but nothing passes either way until <see cref="Thaw"/>.</summary>
    public void Freeze() { foreach (var relay in _relays) relay.Frozen = true; }
    public void Thaw() { foreach (var relay in _relays) relay.Frozen = false; }

    public void Cut()
    {
        Cuts++;
        foreach (var relay in _relays) relay.Cut();
    }

    public ValueTask DisposeAsync()
    {
        foreach (var relay in _relays) relay.Cut();
        return ValueTask.CompletedTask;
    }

    private sealed class Relay(int port, int upstream)
    {
        private readonly object _gate = new();
        private readonly HashSet<Socket> _open = [];
        private Socket? _listener;
        public int Port { get; } = port;
        public volatile bool Frozen;

        public void Listen()
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, Port));
            listener.Listen(512);
            lock (_gate) _listener = listener;
            _ = AcceptAsync(listener);
        }

        /// <summary>Stops listening (new connections are refused) and resets every open connection.</summary>
        public void Cut()
        {
            List<Socket> open;
            lock (_gate)
            {
                _listener?.Dispose();
                _listener = null;
                open = [.. _open];
                _open.Clear();
            }
            foreach (var socket in open) Reset(socket);
        }

        private static void Reset(Socket socket)
        {
            try { socket.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            socket.Dispose(); // linger 0: RST, as a storage node going away
        }

        private async Task AcceptAsync(Socket listener)
        {
            while (true)
            {
                Socket client;
                try { client = await listener.AcceptAsync(); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
                _ = RelayAsync(listener, client);
            }
        }

        private async Task RelayAsync(Socket listener, Socket client)
        {
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            lock (_gate)
            {
                if (!ReferenceEquals(_listener, listener)) { Reset(client); server.Dispose(); return; } // cut meanwhile
                _open.Add(client);
                _open.Add(server);
            }
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, upstream);
                await Task.WhenAny(PumpAsync(client, server, this), PumpAsync(server, client, this));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            finally
            {
                lock (_gate) { _open.Remove(client); _open.Remove(server); }
                Reset(client);
                Reset(server);
            }
        }

        private static async Task PumpAsync(Socket from, Socket to, Relay relay)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0) return;
                    while (relay.Frozen) await Task.Delay(20); // held, as by a node that stopped answering
                    var sent = 0;
                    while (sent < read) sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
    }
}
