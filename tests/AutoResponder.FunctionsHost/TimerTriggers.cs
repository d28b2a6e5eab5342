using System.Text.Json;
using AutoResponder.FunctionsHost.Rpc;
using Cronos;

namespace AutoResponder.FunctionsHost;

/// <summary>
/// The timer triggers: <see cref="FireAsync"/> invokes one now; <see cref="RunAsync"/> fires each on its
/// <c>schedule</c> (six-field NCRONTAB with seconds, UTC, as the Timers extension reads it).
/// </summary>
public sealed class TimerTriggers(WorkerChannel worker, IReadOnlyList<LoadedFunction> functions, TimeProvider time)
{
    private readonly Dictionary<string, LoadedFunction> _timers = functions
        .Where(f => f.TriggerType.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase))
        .ToDictionary(f => f.Name);

    /// <summary>Name → schedule of every timer function.</summary>
    public IReadOnlyDictionary<string, string> Schedules => _timers.ToDictionary(t => t.Key, t => LoadedFunction.Text(t.Value.Trigger, "schedule"));

    /// <summary>Invokes the timer function <paramref name="name"/> once and returns the worker's answer.</summary>
    public Task<InvocationResponse> FireAsync(string name, bool isPastDue = false)
    {
        var function = _timers.TryGetValue(name, out var f) ? f : throw new ArgumentException($"No timer function '{name}'. Timers: {string.Join(", ", _timers.Keys)}");
        var now = time.GetUtcNow();
        var schedule = CronExpression.Parse(LoadedFunction.Text(function.Trigger, "schedule"), CronFormat.IncludeSeconds);
        return worker.InvokeAsync(new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            InputData = { new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Json = TimerInfoJson(schedule, now, isPastDue) } } },
            TraceContext = new RpcTraceContext(),
        });
    }

    /// <summary>
    /// The TimerInfo the Timers extension hands an out-of-process worker, serialized as the host does:
    /// <c>{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last","Next","LastUpdated"},"IsPastDue"}</c>
    /// (Microsoft.Azure.WebJobs.Extensions.Timers TimerInfo; the worker's TimerInfo has the same shape).
    /// </summary>
    public static string TimerInfoJson(CronExpression schedule, DateTimeOffset now, bool isPastDue) => JsonSerializer.Serialize(new
    {
        Schedule = new { AdjustForDST = true },
        ScheduleStatus = new
        {
            Last = schedule.GetOccurrences(now.AddDays(-1), now, TimeZoneInfo.Utc, toInclusive: true).LastOrDefault(),
            Next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc),
            LastUpdated = now,
        },
        IsPastDue = isPastDue,
    });

    /// <summary>Fires every timer on its schedule until <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken ct) => Task.WhenAll(_timers.Keys.Select(name => RunOneAsync(name, ct)));

    private async Task RunOneAsync(string name, CancellationToken ct)
    {
        var schedule = CronExpression.Parse(LoadedFunction.Text(_timers[name].Trigger, "schedule"), CronFormat.IncludeSeconds);
        while (!ct.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (next is null) return;
            try
            {
                await Task.Delay(next.Value - now, time, ct);
                var result = await FireAsync(name);
                if (result.Result.Status != StatusResult.Types.Status.Success)
                    worker.Log($"(test host) timer {name} failed: {result.Result.Exception?.Message}");
            }
            catch (OperationCanceledException) { return; }
            catch (IOException) { return; } // the worker is gone
        }
    }
}
