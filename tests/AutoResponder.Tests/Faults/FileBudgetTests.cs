using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AutoResponder.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AutoResponder.Tests.Faults;

/// <summary>
/// A fresh `autoresponder serve` (its own process) at <c>ulimit -n 1024</c>, flooded with 1,000 silent connections the
/// moment it listens, still answers an alert afterwards: it loaded what its storage path needs before it listened, and
/// its connection cap leaves handles for its own files.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FileBudgetTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task A_fresh_host_at_ulimit_1024_under_1000_connections_answers_an_alert_afterwards()
    {
        var port = OwnProcesses.FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "autoresponder.dll");
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", $"ulimit -n 1024 && exec dotnet \"{dll}\" serve --urls http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        start.Environment["AutoResponder__StoragePrefix"] = "t" + Guid.NewGuid().ToString("N")[..10];
        start.Environment["AutoResponder__Teams__Enabled"] = "false";
        start.Environment["AutoResponder__PriceGuard__Enabled"] = "false";
        start.Environment["AutoResponder__Watch__Enabled"] = "false";
        start.Environment["AutoResponder__Serve__RequestHeadersSeconds"] = "2";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__AutoResponder.Cli"] = "Information";
        start.Environment["Logging__LogLevel__AutoResponder"] = "Information";
        var process = OwnProcesses.Start(start);
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var sockets = new List<TcpClient>();
        try
        {
            // The flood starts the moment the port accepts, before any request was served.
            var clock = Stopwatch.StartNew();
            while (!await OwnProcesses.CanConnectAsync(port))
            {
                Assert.False(process.HasExited, $"the host exited at start-up: {log}");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"the host did not listen: {log}");
                await Task.Delay(50);
            }
            for (var i = 0; i < 1000; i++)
            {
                var socket = new TcpClient();
                try { await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5)); }
                catch (Exception e) when (e is SocketException or TimeoutException) { } // refused under the flood: fine
                sockets.Add(socket);
            }
            foreach (var socket in sockets) socket.Dispose();
            sockets.Clear();

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            HttpResponseMessage? answer = null;
            for (var attempt = 0; attempt < 20 && answer?.StatusCode != HttpStatusCode.Accepted; attempt++)
            {
                if (attempt > 0) await Task.Delay(500); // a 503 asks for a retry; never a 500
                answer = await client.PostAsync("/api/alerts", new StringContent(
                    """{"title":"Disk full after the flood","service":"files","severity":"Sev3","status":"firing"}""", Encoding.UTF8, "application/json"));
                Assert.NotEqual(HttpStatusCode.InternalServerError, answer.StatusCode);
            }
            Assert.Equal(HttpStatusCode.Accepted, answer!.StatusCode);
            using var health = await client.GetAsync("/api/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.False(process.HasExited);
            lock (log)
            {
                output.WriteLine(log.ToString());
                Assert.Contains("at most 512 connections", log.ToString()); // 1,024 files less the 512 kept for the host
            }
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
            OwnProcesses.Terminate(process);
            if (!await OwnProcesses.WaitForExitAsync(process, TimeSpan.FromSeconds(20))) await OwnProcesses.KillAsync(process);
        }
    }
}
