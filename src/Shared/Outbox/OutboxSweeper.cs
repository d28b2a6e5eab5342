using AutoResponder.Hosting;
using AutoResponder.Incidents;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Outbox;

/// <summary>
/// The timer's half of the outbox: visits every incident whose "outbox-pending" marker is set (an index
/// partition, not a table scan) and runs what is due, so an action whose queue signal was lost still runs.
/// </summary>
public sealed class OutboxSweeper(IncidentIndex index, OutboxRunner runner, ILogger<OutboxSweeper> log) : IScheduledJob
{
    public const string ScheduleSetting = "AutoResponder:Outbox:SweepSchedule";

    public string Name => "outbox-sweep";
    public JobSchedule Schedule { get; } = new(ScheduleSetting, "0 */1 * * * *"); // every minute
    public Task RunAsync(CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var pending = await index.ListAsync(IncidentIndex.OutboxPendingPartition, 1000, ct);
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (row, token) =>
        {
            try { await runner.RunAsync(row.IncidentId, token); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Outbox sweep failed for {IncidentId}", row.IncidentId);
            }
        });
        return pending.Count;
    }
}
