using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using AutoResponder.FunctionsHost.Rpc;
using Grpc.Core;

namespace AutoResponder.FunctionsHost;

/// <summary>
/// The host's side of <c>FunctionRpc.EventStream</c> for one worker process. Mirrors the order the Functions host's
/// <c>GrpcWorkerChannel</c> (azure-functions-host, src/WebJobs.Script.Grpc/Channel) follows with a worker-indexing
/// worker (worker.config.json <c>"workerIndexing": "true"</c>):
/// StartStream (worker) → WorkerInitRequest → WorkerInitResponse (capabilities; <c>HttpUri</c> for the ASP.NET Core
/// integration) → FunctionsMetadataRequest → FunctionMetadataResponse → FunctionLoadRequest × n → FunctionLoadResponse × n.
/// Then InvocationRequest/InvocationResponse pairs by invocation id; RpcLog messages go to <see cref="Log"/>.
/// </summary>
public sealed class WorkerChannel(string workerId, string appDirectory, Action<string> log)
{
    /// <summary>Host version announced in WorkerInitRequest (the worker only logs it).</summary>
    public const string HostVersion = "4.1000.0-test";

    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _invocations = new();
    private readonly TaskCompletionSource<IReadOnlyList<LoadedFunction>> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string WorkerId => workerId;
    /// <summary>Completes when every function the worker indexed has loaded (or faults with why not).</summary>
    public Task<IReadOnlyList<LoadedFunction>> Ready => _ready.Task;
    /// <summary>Completes when the worker's stream ends.</summary>
    public Task Closed => _closed.Task;
    /// <summary>The worker's capabilities from WorkerInitResponse.</summary>
    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();
    /// <summary>Where the worker's ASP.NET Core integration listens (capability <c>HttpUri</c>).</summary>
    public Uri? HttpUri => Capabilities.TryGetValue("HttpUri", out var uri) ? new Uri(uri) : null;
    public Action<string> Log => log;

    /// <summary>Runs one EventStream call: the handshake, then invocations until the worker hangs up.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken ct)
    {
        var writer = WriteAllAsync(responses, ct);
        try
        {
            var start = await NextAsync(requests, StreamingMessage.ContentOneofCase.StartStream, ct);
            if (start.StartStream.WorkerId != workerId)
                throw new InvalidOperationException($"Unexpected worker id '{start.StartStream.WorkerId}' (expected '{workerId}').");

            Send(new StreamingMessage
            {
                RequestId = Guid.NewGuid().ToString(),
                WorkerInitRequest = new WorkerInitRequest
                {
                    HostVersion = HostVersion,
                    WorkerDirectory = appDirectory,
                    FunctionAppDirectory = appDirectory,
                    LogCategories = { ["Worker"] = RpcLog.Types.Level.Information },
                },
            });
            var init = (await NextAsync(requests, StreamingMessage.ContentOneofCase.WorkerInitResponse, ct)).WorkerInitResponse;
            EnsureSuccess(init.Result, "WorkerInitResponse");
            Capabilities = new Dictionary<string, string>(init.Capabilities);

            Send(new StreamingMessage { RequestId = Guid.NewGuid().ToString(), FunctionsMetadataRequest = new() { FunctionAppDirectory = appDirectory } });
            var metadata = (await NextAsync(requests, StreamingMessage.ContentOneofCase.FunctionMetadataResponse, ct)).FunctionMetadataResponse;
            EnsureSuccess(metadata.Result, "FunctionMetadataResponse");
            if (metadata.UseDefaultMetadataIndexing)
                throw new NotSupportedException("The worker asked the host to index functions.metadata itself; this test host only supports worker indexing.");

            var functions = metadata.FunctionMetadataResults.Select(LoadedFunction.From).ToList();
            foreach (var function in functions)
                Send(new StreamingMessage { RequestId = Guid.NewGuid().ToString(), FunctionLoadRequest = function.LoadRequest() });
            for (var loaded = 0; loaded < functions.Count; loaded++)
            {
                var response = (await NextAsync(requests, StreamingMessage.ContentOneofCase.FunctionLoadResponse, ct)).FunctionLoadResponse;
                EnsureSuccess(response.Result, $"FunctionLoadResponse for {functions.Single(f => f.FunctionId == response.FunctionId).Name}");
            }
            _ready.TrySetResult(functions);

            while (await requests.MoveNext(ct))
                Dispatch(requests.Current);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _ready.TrySetException(e);
            throw;
        }
        finally
        {
            _ready.TrySetException(new InvalidOperationException("The worker closed its stream before it was ready."));
            foreach (var pending in _invocations.Values)
                pending.TrySetException(new IOException("The worker closed its stream."));
            _outbound.Writer.TryComplete();
            _closed.TrySetResult();
            try { await writer; } catch (Exception) { /* the stream is gone */ }
        }
    }

    /// <summary>Sends an InvocationRequest and returns the worker's InvocationResponse.</summary>
    public Task<InvocationResponse> InvokeAsync(InvocationRequest request)
    {
        var pending = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invocations[request.InvocationId] = pending;
        if (Closed.IsCompleted) pending.TrySetException(new IOException("The worker is gone."));
        else Send(new StreamingMessage { InvocationRequest = request });
        return pending.Task;
    }

    /// <summary>WorkerTerminate: the worker stops itself within the grace period.</summary>
    public void Terminate(TimeSpan grace) =>
        Send(new StreamingMessage { WorkerTerminate = new() { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(grace) } });

    private void Send(StreamingMessage message) => _outbound.Writer.TryWrite(message);

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken ct)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(ct))
            await responses.WriteAsync(message, ct);
    }

    private async Task<StreamingMessage> NextAsync(IAsyncStreamReader<StreamingMessage> requests, StreamingMessage.ContentOneofCase expected, CancellationToken ct)
    {
        while (await requests.MoveNext(ct))
        {
            var message = requests.Current;
            if (message.ContentCase == expected) return message;
            Dispatch(message);
        }
        throw new InvalidOperationException($"The worker closed its stream while the host waited for {expected}.");
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.RpcLog:
                var rpcLog = message.RpcLog;
                log($"{rpcLog.Level} {rpcLog.Category}: {rpcLog.Message}{(rpcLog.Exception is null ? "" : " " + rpcLog.Exception.Message)}");
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                if (_invocations.TryRemove(message.InvocationResponse.InvocationId, out var pending))
                    pending.TrySetResult(message.InvocationResponse);
                break;
            case StreamingMessage.ContentOneofCase.WorkerStatusResponse:
                break;
            default:
                log($"(test host) ignored {message.ContentCase} from the worker");
                break;
        }
    }

    private static void EnsureSuccess(StatusResult? result, string what)
    {
        if (result is { Status: StatusResult.Types.Status.Success }) return;
        throw new InvalidOperationException($"{what}: {result?.Status} {result?.Exception?.Message} {result?.Result}".Trim());
    }
}

/// <summary>
/// A function the worker indexed (RpcFunctionMetadata of FunctionMetadataResponse), with its bindings parsed from
/// raw_bindings (the function.json binding objects: <c>{"name","type","direction", …properties}</c>).
/// </summary>
public sealed record LoadedFunction(string Name, string FunctionId, RpcFunctionMetadata Metadata, IReadOnlyList<JsonElement> Bindings)
{
    public static LoadedFunction From(RpcFunctionMetadata metadata)
    {
        var bindings = metadata.RawBindings.Select(raw => JsonDocument.Parse(raw).RootElement.Clone()).ToList();
        var id = string.IsNullOrEmpty(metadata.FunctionId) ? Guid.NewGuid().ToString() : metadata.FunctionId;
        return new LoadedFunction(metadata.Name, id, metadata, bindings);
    }

    /// <summary>The trigger binding (direction in, type ending in "Trigger").</summary>
    public JsonElement Trigger => Bindings.Single(b => Text(b, "type").EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
    public string TriggerType => Text(Trigger, "type");
    public string TriggerName => Text(Trigger, "name");

    public static string Text(JsonElement binding, string property)
    {
        foreach (var p in binding.EnumerateObject())
            if (string.Equals(p.Name, property, StringComparison.OrdinalIgnoreCase))
                return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return "";
    }

    /// <summary>
    /// FunctionLoadRequest as the host's GrpcWorkerChannel.GetFunctionLoadRequest builds it: name, directory, script
    /// file, entry point, one BindingInfo per binding (type, direction, data type) and the worker's properties.
    /// </summary>
    public FunctionLoadRequest LoadRequest()
    {
        var rpc = new RpcFunctionMetadata
        {
            Name = Metadata.Name,
            Directory = Metadata.Directory,
            ScriptFile = Metadata.ScriptFile,
            EntryPoint = Metadata.EntryPoint,
            Language = Metadata.Language,
            FunctionId = FunctionId,
        };
        foreach (var (key, value) in Metadata.Properties) rpc.Properties[key] = value;
        foreach (var binding in Bindings)
        {
            var info = new BindingInfo
            {
                Type = Text(binding, "type"),
                Direction = Text(binding, "direction").ToLowerInvariant() switch
                {
                    "out" => BindingInfo.Types.Direction.Out,
                    "inout" => BindingInfo.Types.Direction.Inout,
                    _ => BindingInfo.Types.Direction.In,
                },
                DataType = Text(binding, "dataType").ToLowerInvariant() switch
                {
                    "string" => BindingInfo.Types.DataType.String,
                    "binary" => BindingInfo.Types.DataType.Binary,
                    "stream" => BindingInfo.Types.DataType.Stream,
                    _ => BindingInfo.Types.DataType.Undefined,
                },
            };
            rpc.Bindings[Text(binding, "name")] = info;
        }
        return new FunctionLoadRequest { FunctionId = FunctionId, Metadata = rpc };
    }
}

/// <summary>The gRPC service: hands each EventStream call to the channel of the worker that opened it.</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        channel.RunAsync(requestStream, responseStream, context.CancellationToken);
}
