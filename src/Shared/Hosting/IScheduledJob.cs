namespace AutoResponder.Hosting;

/// <summary>
/// Work a timer runs. In Azure each job has a TimerTrigger function (src/Functions); the standalone
/// host runs every registered job on its <see cref="Interval"/>. Register with
/// <c>services.AddSingleton&lt;IScheduledJob, MyJob&gt;()</c>.
/// </summary>
public interface IScheduledJob
{
    string Name { get; }
    TimeSpan Interval { get; }
    Task RunAsync(CancellationToken cancellationToken);
}
