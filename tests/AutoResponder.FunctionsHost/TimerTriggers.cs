using System.Text.Json;
using AutoResponder.FunctionsHost.Rpc;
using Cronos;

namespace AutoResponder.FunctionsHost;

/// <summary>
/// The timer triggers: <see cref="FireAsync"/> invokes one now; <see cref="RunAsync"/> fires each on its
/// <c>schedule</c> (six-field NCRONTAB with seconds, UTC, as the Timers extension reads it). A schedule written as
/// <c>%Name%</c> is resolved from the app settings first, as the host's name resolver does (its configuration reads
/// the app setting <c>A__B</c> as <c>A:B</c>, so <c>%A:B%</c> names it); one that names no setting fails start-up.
/// </summary>
public sealed class TimerTriggers(WorkerChannel worker, IReadOnlyDictionary<string, LoadedFunction> timers, IReadOnlyDictionary<string, string> schedules, TimeProvider time)
{
    private readonly IReadOnlyDictionary<string, LoadedFunction> _timers = timers;

    public static TimerTriggers Create(WorkerChannel worker, IReadOnlyList<LoadedFunction> functions, IReadOnlyDictionary<string, string> settings, TimeProvider time, string output)
    {
        var timers = functions.Where(f => f.TriggerType.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase)).ToDictionary(f => f.Name);
        var schedules = new Dictionary<string, string>();
        foreach (var (name, function) in timers)
        {
            var schedule = Resolve(LoadedFunction.Text(function.Trigger, "schedule"), settings)
                ?? throw new WorkerExitedException($"Error indexing method 'Functions.{name}': '{LoadedFunction.Text(function.Trigger, "schedule")}' does not resolve to a value (no such app setting).", null, output);
            schedules[name] = schedule;
        }
        return new TimerTriggers(worker, timers, schedules, time);
    }

    /// <summary>A schedule as the host reads it: <c>%Name%</c> → the app setting (sections joined by "__" or ":"), null when it is not set.</summary>
    public static string? Resolve(string schedule, IReadOnlyDictionary<string, string> settings)
    {
        if (schedule.Length < 2 || schedule[0] != '%' || schedule[^1] != '%') return schedule;
        var name = Key(schedule[1..^1]);
        return settings.FirstOrDefault(s => Key(s.Key) == name).Value is { Length: > 0 } value ? value : null;
    }

    private static string Key(string setting) => setting.Replace("__", ":", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>Name → schedule (resolved) of every timer function.</summary>
    public IReadOnlyDictionary<string, string> Schedules => schedules;

    /// <summary>Invokes the timer function <paramref name="name"/> once and returns the worker's answer.</summary>
    public Task<InvocationResponse> FireAsync(string name, bool isPastDue = false)
    {
        var function = _timers.TryGetValue(name, out var f) ? f : throw new ArgumentException($"No timer function '{name}'. Timers: {string.Join(", ", _timers.Keys)}");
        var now = time.GetUtcNow();
        var schedule = CronExpression.Parse(schedules[name], CronFormat.IncludeSeconds);
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
        var schedule = CronExpression.Parse(schedules[name], CronFormat.IncludeSeconds);
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
