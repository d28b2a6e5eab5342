using System.Net;
using System.Net.Sockets;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.Serve;

/// <summary>
/// Idle sockets cannot kill the standalone host: connections beyond AutoResponder:Serve:MaxConnections are closed
/// at once, and a socket that never sends its request headers is dropped after RequestHeadersSeconds, after which
/// normal requests are served again. (Kestrel enforces its timeouts on the real clock: this test waits for that
/// timeout, bounded, and for nothing else.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class IdleConnectionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_socket_that_sends_nothing_is_closed_at_the_request_headers_limit()
    {
        await using var host = await RunningHost.StartAsync(azurite, null, "AutoResponder:Serve:RequestHeadersSeconds=1");
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
        var opened = System.Diagnostics.Stopwatch.StartNew();

        // Kestrel's timers tick once a second: closed within about two seconds of a one-second limit (before, the socket
        // waited on the 30 s keep-alive timer). The bound below is the test's only real wait.
        var read = socket.GetStream().ReadAsync(new byte[1]).AsTask();
        var closed = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(5))) == read;

        Assert.True(closed, "the idle socket is still open after 5 s");
        Assert.Equal(0, await read); // end of stream: closed by the server, nothing sent
        Assert.InRange(opened.Elapsed.TotalSeconds, 0.9, 3.5);
    }

    [Fact]
    public async Task Many_idle_sockets_are_capped_and_timed_out_and_a_normal_request_is_then_served()
    {
        await using var host = await RunningHost.StartAsync(azurite, null,
            "AutoResponder:Serve:MaxConnections=50", "AutoResponder:Serve:RequestHeadersSeconds=2");
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 1500; i++) // beyond the cap 30 times over; each one opened and left silent
            {
                var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
                idle.Add(socket);
            }

            var served = false;
            for (var attempt = 0; attempt < 40 && !served; attempt++)
            {
                using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
                try { served = (await client.GetAsync("/")).StatusCode == HttpStatusCode.OK; }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                if (!served) await Task.Delay(250); // the server's header timeout runs on the real clock
            }
            Assert.True(served, "a normal request is served once idle sockets are capped and timed out");

            // The idle sockets were closed by the server: reading one returns end of stream.
            var closed = 0;
            foreach (var socket in idle.Take(100))
            {
                var stream = socket.GetStream();
                stream.ReadTimeout = 1000;
                try { if (await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(1)) == 0) closed++; } // end of stream
                catch (Exception e) when (e is IOException or SocketException) { closed++; } // reset by the server
                catch (TimeoutException) { } // still open
            }
            Assert.True(closed >= 90, $"{closed} of 100 idle sockets were closed by the server");
        }
        finally
        {
            foreach (var socket in idle) socket.Dispose();
        }
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/")).StatusCode); // and the host is still alive
    }
}
