// The worker-protocol test host as a command (scripts/functions-host.sh runs it):
//
//   serve --port N --key K [--app DIR] [--storage CONN] [--settings FILE]... [--set NAME=VALUE]...
//       runs the Function app (src/Functions output, or DIR) behind this host on 127.0.0.1:N, K being the function
//       key of POST /api/alerts; the outbox queue is polled and the timers fire on their schedules. App settings:
//       AzureWebJobsStorage=CONN (default: Azurite on its usual ports), the AutoResponder__* values of
//       src/Functions/local.settings.example.json (the timer schedules), each FILE flattened (appsettings JSON), each
//       --set, and this process's AutoResponder__* environment variables. Ctrl+C stops it.
//   bench [--alerts N] [--app DIR] [--cli DLL] [--storage CONN] [--settings FILE]...
//       measures worker process start → first alert answered, and alert → Teams request (Graph file mode) through the
//       real worker and through the standalone host (`autoresponder serve`, run as a process too) in the same run.
using AutoResponder.FunctionsHost;

var command = args.FirstOrDefault() ?? "";
var options = Options.Parse(args.Skip(1).ToArray());
try
{
    return command switch
    {
        "serve" => await ServeAsync(options),
        "bench" => await Bench.RunAsync(options),
        _ => Usage(),
    };
}
catch (WorkerExitedException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: AutoResponder.FunctionsHost serve --port N --key K [--app DIR] [--storage CONN] [--settings FILE]... [--set NAME=VALUE]...");
    Console.Error.WriteLine("       AutoResponder.FunctionsHost bench [--alerts N] [--app DIR] [--cli DLL] [--storage CONN] [--settings FILE]...");
    return 2;
}

static async Task<int> ServeAsync(Options options)
{
    if (options.Port is null || string.IsNullOrEmpty(options.Key)) return Usage();
    var verbose = options.Verbose;
    await using var app = await FunctionApp.StartAsync(new FunctionAppOptions
    {
        AppDirectory = options.AppDirectory,
        Settings = options.Settings(),
        HttpPort = options.Port.Value,
        FunctionKey = options.Key,
        PollQueues = true,
        RunTimers = true,
        Log = line => { if (verbose || line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.StartsWith("Error") || line.StartsWith("Warning") || line.StartsWith("Critical") || line.StartsWith("(test host)")) Console.WriteLine(line); },
    });
    Console.WriteLine($"Function app (worker pid {app.ProcessId}) loaded {app.Functions.Count} functions in {app.StartedIn.TotalMilliseconds:F0} ms.");
    Console.WriteLine($"Listening on {app.BaseAddress} — POST /api/alerts takes the function key (x-functions-key header or ?code=). Ctrl+C stops it.");

    // Ctrl+C or SIGTERM: stop here, so that disposing the app kills the worker process too.
    var stop = new TaskCompletionSource();
    using var onInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
    using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
    await Task.WhenAny(stop.Task, app.Worker.Closed);
    if (app.Worker.Closed.IsCompleted && !stop.Task.IsCompleted)
    {
        Console.Error.WriteLine("The worker stopped.");
        return 1;
    }
    return 0;
}
