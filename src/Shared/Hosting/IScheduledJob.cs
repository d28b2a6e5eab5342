using Cronos;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Hosting;

/// <summary>
/// Work a timer runs. In Azure each job has a TimerTrigger function (src/Functions) whose schedule is the job's
/// setting (<c>[TimerTrigger("%" + MyJob.ScheduleSetting + "%")]</c>, resolved by the Functions host from the app
/// settings); the standalone host runs every registered job on the same setting (<see cref="JobSchedule"/>). Register
/// with <c>services.AddSingleton&lt;IScheduledJob, MyJob&gt;()</c>.
/// </summary>
public interface IScheduledJob
{
    string Name { get; }
    JobSchedule Schedule { get; }
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// When a scheduled job runs, in both hosts: a six-field NCRONTAB expression (seconds first, UTC), as the Functions
/// timer reads it, from the setting <see cref="Setting"/> (<c>AutoResponder:Outbox:SweepSchedule</c>; as an app setting
/// <c>AutoResponder__Outbox__SweepSchedule</c>), or <see cref="Default"/> where it is not set. The Function app has no
/// defaults of its own: infra/main.bicep writes every schedule setting with its default.
/// </summary>
public sealed record JobSchedule(string Setting, string Default)
{
    /// <summary>The setting as an App Service app setting (sections joined by "__").</summary>
    public string AppSetting => Setting.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The expression this deployment configured (or the default).</summary>
    public string Expression(IConfiguration configuration) =>
        configuration[Setting] is { Length: > 0 } set ? set : Default;

    /// <summary>The configured schedule; a setting that is not six-field NCRONTAB stops start-up, naming it.</summary>
    public CronExpression Read(IConfiguration configuration)
    {
        var expression = Expression(configuration);
        try { return CronExpression.Parse(expression, CronFormat.IncludeSeconds); }
        catch (CronFormatException e)
        {
            throw new InvalidOperationException($"The setting '{Setting}' ('{expression}') is not a six-field " +
                $"NCRONTAB schedule (seconds first, e.g. '{Default}'): {e.Message}", e);
        }
    }
}
