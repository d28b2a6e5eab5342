using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AutoResponder.FunctionsHost;

/// <summary>What to run and how.</summary>
public sealed record FunctionAppOptions
{
    /// <summary>The built Function app: the folder holding AutoResponder.Functions.dll, worker.config.json and host.json.</summary>
    public required string AppDirectory { get; init; }
    /// <summary>App settings, passed to the worker as environment variables (App Service does the same).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
    /// <summary>Front door port on 127.0.0.1 (0: a free one).</summary>
    public int HttpPort { get; init; }
    /// <summary>The function key of <c>authLevel: function</c> routes.</summary>
    public string FunctionKey { get; init; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    /// <summary>Poll the trigger queues in the background (off: the caller drains them with <see cref="QueueTriggers.DrainAsync"/>).</summary>
    public bool PollQueues { get; init; } = true;
    /// <summary>Run timer triggers on their schedules (off: the caller fires them with <see cref="TimerTriggers.FireAsync"/>).</summary>
    public bool RunTimers { get; init; }
    /// <summary>Replaces host.json's queues.visibilityTimeout (a failed message's wait before its retry); tests use zero.</summary>
    public TimeSpan? QueueVisibilityTimeout { get; init; }
    /// <summary>Where the worker's output and its RpcLog messages go (also kept in <see cref="FunctionApp.Output"/>).</summary>
    public Action<string>? Log { get; init; }
    /// <summary>How long the worker may take from process start to every function loaded.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>The worker process exited (or never got ready); <see cref="Output"/> holds what it wrote.</summary>
internal sealed class WorkerExitedException(string message, int? exitCode, string output)
    : Exception($"{message} Its last output (stack frames left out):\n{string.Join('\n', output.Split('\n').Where(l => !l.TrimStart().StartsWith("at ")).TakeLast(30))}")
{
    public int? ExitCode => exitCode;
    public string Output => output;
}

/// <summary>
/// The Function app running for real: <c>dotnet AutoResponder.Functions.dll</c> as its own process, started the
/// way the Functions host starts a dotnet-isolated worker (the <c>Functions__Worker__*</c> environment the worker's
/// GrpcWorkerStartupOptions read, FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_APPLICATION_DIRECTORY, then the app settings),
/// connected to this process's gRPC server, with an HTTP front door on 127.0.0.1, the queue triggers and the timers.
/// Dispose kills the worker.
/// </summary>
public sealed class FunctionApp : IAsyncDisposable
{
    private readonly WebApplication _grpc;
    private readonly WebApplication _frontDoor;
    private readonly Process _process;
    private readonly OutputLog _output;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _background = [];

    private FunctionApp(WebApplication grpc, WebApplication frontDoor, Process process, OutputLog output, WorkerChannel worker,
        IReadOnlyList<LoadedFunction> functions, HttpFrontDoor http, QueueTriggers queues, TimerTriggers timers, Uri baseAddress, string key, TimeSpan started)
    {
        _grpc = grpc; _frontDoor = frontDoor; _process = process; _output = output;
        Worker = worker; Functions = functions; Http = http; Queues = queues; Timers = timers;
        BaseAddress = baseAddress; FunctionKey = key; StartedIn = started;
    }

    public WorkerChannel Worker { get; }
    public IReadOnlyList<LoadedFunction> Functions { get; }
    public HttpFrontDoor Http { get; }
    public QueueTriggers Queues { get; }
    public TimerTriggers Timers { get; }
    /// <summary>The front door, e.g. http://127.0.0.1:7071/.</summary>
    public Uri BaseAddress { get; }
    public string FunctionKey { get; }
    /// <summary>Worker process start → every function loaded and its HTTP server listening.</summary>
    public TimeSpan StartedIn { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    /// <summary>Everything the worker wrote (stdout, stderr) and logged over gRPC so far.</summary>
    public string Output => _output.Text;

    /// <summary>Starts the worker and returns once every function loaded; throws <see cref="WorkerExitedException"/> if it exits first.</summary>
    public static async Task<FunctionApp> StartAsync(FunctionAppOptions options)
    {
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        var dll = Path.Combine(appDirectory, "AutoResponder.Functions.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"The Function app is not built: {dll} (dotnet build src/Functions).");
        var hostJson = HostJson.Read(appDirectory);

        var output = new OutputLog(options.Log);
        var workerId = Guid.NewGuid().ToString();
        var worker = new WorkerChannel(workerId, appDirectory, output.Add);

        var grpc = BuildGrpcServer(worker);
        await grpc.StartAsync();
        var grpcUri = new Uri(grpc.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        var watch = Stopwatch.StartNew();
        var process = StartWorker(options, appDirectory, dll, workerId, grpcUri, output);
        try
        {
            var ready = worker.Ready;
            var exited = process.WaitForExitAsync();
            var finished = await Task.WhenAny(ready, exited, Task.Delay(options.StartTimeout));
            if (finished != ready)
            {
                var code = process.HasExited ? process.ExitCode : (int?)null;
                throw new WorkerExitedException(
                    code is null ? $"The worker did not load its functions within {options.StartTimeout}." : $"The worker exited with code {code} before it was ready.",
                    code, output.Text);
            }
            var functions = await ready;
            // As the host indexes them: a schedule naming an app setting ("%Name%") that is not set fails start-up.
            var timers = TimerTriggers.Create(worker, functions, options.Settings, TimeProvider.System, output.Text);
            // The worker announces HttpUri in its WorkerInitResponse, before its ASP.NET Core server listens there:
            // wait for the listener, or the first proxied request would be refused.
            if (worker.HttpUri is { } httpUri) await WaitUntilListeningAsync(httpUri, process, options.StartTimeout - watch.Elapsed, output);
            var started = watch.Elapsed;

            var http = new HttpFrontDoor(worker, functions, hostJson.RoutePrefix, options.FunctionKey);
            var frontDoor = BuildFrontDoor(http, options.HttpPort);
            await frontDoor.StartAsync();
            var address = new Uri(frontDoor.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

            var queues = new QueueTriggers(worker, functions, options.Settings, hostJson, options.QueueVisibilityTimeout, output.Add);
            var app = new FunctionApp(grpc, frontDoor, process, output, worker, functions, http, queues, timers, address, options.FunctionKey, started);
            if (options.PollQueues) app._background.Add(queues.PollAsync(app._stopping.Token));
            if (options.RunTimers) app._background.Add(timers.RunAsync(app._stopping.Token));
            return app;
        }
        catch
        {
            Kill(process);
            await grpc.StopAsync();
            await grpc.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the worker until it exits on its own (a start-up that must fail): its exit code and output.</summary>
    public static async Task<(int? ExitCode, string Output)> RunUntilExitAsync(FunctionAppOptions options, TimeSpan timeout)
    {
        try
        {
            await using var app = await StartAsync(options with { StartTimeout = timeout });
            return (null, app.Output);
        }
        catch (WorkerExitedException e)
        {
            return (e.ExitCode, e.Output);
        }
    }

    /// <summary>A client of the front door; with <paramref name="withKey"/> it sends the function key as x-functions-key.</summary>
    public HttpClient NewClient(bool withKey = false)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
        if (withKey) client.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        try { await Task.WhenAll(_background); } catch (OperationCanceledException) { }
        Kill(_process);
        _process.Dispose();
        await _frontDoor.StopAsync();
        await _frontDoor.DisposeAsync();
        await _grpc.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token);
        await _grpc.DisposeAsync();
    }

    private static async Task WaitUntilListeningAsync(Uri uri, Process process, TimeSpan timeout, OutputLog output)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(uri.Host, uri.Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (!process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            catch (System.Net.Sockets.SocketException)
            {
                throw new WorkerExitedException($"The worker's HTTP server at {uri} never listened.", process.HasExited ? process.ExitCode : null, output.Text);
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { /* never started or already reaped */ }
    }

    private static Process StartWorker(FunctionAppOptions options, string appDirectory, string dll, string workerId, Uri grpcUri, OutputLog output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Nothing of the caller's own configuration leaks in: the worker sees the settings given, as in Azure.
        foreach (var key in start.Environment.Keys.ToList())
            if (key.StartsWith("AutoResponder", StringComparison.OrdinalIgnoreCase) || key.StartsWith("AzureWebJobs", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Functions__", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("FUNCTIONS_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("WEBSITE_", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(key);
        foreach (var (key, value) in options.Settings) start.Environment[key] = value;
        // What the Functions host gives every dotnet-isolated worker (the worker's GrpcWorkerStartupOptions bind
        // "Functions:Worker"; the host's RpcWorkerProcess sets the same values).
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;
        start.Environment["Functions__Worker__HostEndpoint"] = grpcUri.ToString().TrimEnd('/');
        start.Environment["Functions__Worker__WorkerId"] = workerId;
        start.Environment["Functions__Worker__RequestId"] = Guid.NewGuid().ToString();
        start.Environment["Functions__Worker__GrpcMaxMessageLength"] = int.MaxValue.ToString();

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Add(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static WebApplication BuildGrpcServer(WorkerChannel worker)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => { o.MaxReceiveMessageSize = null; o.MaxSendMessageSize = null; });
        builder.Services.AddSingleton(worker);
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        return app;
    }

    private static WebApplication BuildFrontDoor(HttpFrontDoor http, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.Run(http.HandleAsync);
        return app;
    }

    /// <summary>The worker's output, line by line, kept (bounded) for assertions and failure messages.</summary>
    private sealed class OutputLog(Action<string>? sink)
    {
        private readonly StringBuilder _text = new();
        public string Text { get { lock (_text) return _text.ToString(); } }

        public void Add(string line)
        {
            lock (_text)
            {
                if (_text.Length > 2_000_000) _text.Remove(0, 1_000_000);
                _text.AppendLine(line);
            }
            sink?.Invoke(line);
        }
    }
}
