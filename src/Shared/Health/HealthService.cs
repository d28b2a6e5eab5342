using AutoResponder.Graph;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Storage;
using AutoResponder.Teams;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Health;

/// <summary>
/// "Is the responder itself healthy?": storage reachable, Graph sign-in valid (when Graph is live and a feature
/// uses it), the oldest open outbox action, parked actions and dead-lettered reminders. Each check runs with a
/// timeout and reports on its own; any failing check makes the report unhealthy.
/// </summary>
public sealed class HealthService(
    StorageClients storage,
    IncidentStore store,
    IncidentIndex index,
    IServiceProvider services,
    IntegrationSettings<GraphOptions> graphSettings,
    SetupFindings setup,
    IOptions<HealthOptions> options,
    HostFault fault,
    TimeProvider time,
    ILogger<HealthService> log)
{
    /// <summary>
    /// Most incidents with open actions and parked actions read per check (the report says when it stopped).
    /// </summary>
    public const int MaxScanned = 500;

    public async Task<HealthReport> CheckAsync(CancellationToken ct)
    {
        var checks = new[]
        {
            Guard("storage", StorageAsync),
            Guard("graph-sign-in", GraphAsync),
            Guard("outbox-pending", PendingAsync),
            Guard("outbox-parked", ParkedAsync),
            Guard("reminders-dead-lettered", DeadLetteredAsync),
            Guard("access-tokens", AccessTokensAsync),
        };
        var results = (await Task.WhenAll(checks.Select(c => c(ct)))).Append(fault.Check()).ToList();
        var healthy = results.All(r => r.Status != HealthCheckResult.Failing);
        return new HealthReport(healthy ? HealthReport.Healthy : HealthReport.Unhealthy, time.GetUtcNow(), results,
            setup.All);
    }

    private Func<CancellationToken, Task<HealthCheckResult>> Guard(string name, Func<CancellationToken, Task<HealthCheckResult>> check) => async ct =>
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.CheckTimeoutSeconds));
        try
        {
            return await check(timeout.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            if (HostFault.Unrecoverable(e) is not null && fault.Record(e))
                log.LogCritical(e, "Unrecoverable fault in health check {Check}", name);
            log.LogWarning(e, "Health check {Check} failed", name);
            var detail = e is OperationCanceledException
                ? $"no answer within {options.Value.CheckTimeoutSeconds} s"
                : $"{e.GetType().Name}: {FirstLine(e.Message)}";
            return new HealthCheckResult(name, HealthCheckResult.Failing, detail);
        }
    };

    private async Task<HealthCheckResult> StorageAsync(CancellationToken ct)
    {
        await foreach (var _ in storage.IncidentIndex.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"],
            cancellationToken: ct).AsPages(pageSizeHint: 1))
            break;
        return new HealthCheckResult("storage", HealthCheckResult.Ok,
            $"tables reachable ({storage.IncidentIndex.AccountName})");
    }

    private async Task<HealthCheckResult> GraphAsync(CancellationToken ct)
    {
        var o = graphSettings.Value;
        if (!graphSettings.Ready)
            return new HealthCheckResult("graph-sign-in", HealthCheckResult.Warning,
                $"Graph is not configured: Teams posts and e-mails wait in the outbox. " +
                $"{string.Join(" ", graphSettings.Problems)}");
        if (o.EffectiveMode != GraphMode.Live)
            return new HealthCheckResult("graph-sign-in", HealthCheckResult.Ok,
                "Graph is not live: requests go to the file outbox (standalone) — nothing to sign in");
        var teams = services.GetService<IOptions<TeamsOptions>>()?.Value.Enabled == true;
        var mail = services.GetService<IOptions<StatusEmailOptions>>()?.Value.Enabled == true;
        var credentials = services.GetRequiredService<IGraphCredentials>();
        var parts = new List<string>();
        if (teams)
        {
            var token = await credentials.Delegated.GetTokenAsync(
                new TokenRequestContext([.. o.EffectiveDelegatedScopes]), ct);
            parts.Add($"Teams service account token valid until {token.ExpiresOn:yyyy-MM-dd HH:mm} UTC");
        }
        if (mail)
        {
            var token = await credentials.AppOnly.GetTokenAsync(new TokenRequestContext(["https://graph.microsoft.com/.default"]), ct);
            parts.Add($"mail (app-only) token valid until {token.ExpiresOn:yyyy-MM-dd HH:mm} UTC");
        }
        return new HealthCheckResult("graph-sign-in", HealthCheckResult.Ok,
            parts.Count == 0 ? "no feature uses Graph" : string.Join("; ", parts));
    }

    private async Task<HealthCheckResult> PendingAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var pending = await index.ListAsync(IncidentIndex.OutboxPendingPartition, MaxScanned, ct);
        DateTimeOffset? oldest = null;
        string? kind = null, incident = null;
        var later = 0;
        var gate = new object();
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (marker, token) =>
        {
            foreach (var action in await store.GetOpenActionsAsync(marker.IncidentId, token))
                lock (gate)
                {
                    // owed for later: counted from its time, and not at all before it
                    var owed = action.DueAt is { } due && due > action.CreatedAt ? due : action.CreatedAt;
                    if (owed > now) later++;
                    else if (oldest is null || owed < oldest)
                        (oldest, kind, incident) = (owed, action.Kind, action.IncidentId);
                }
        });
        if (oldest is not { } since)
            return new HealthCheckResult("outbox-pending", HealthCheckResult.Ok,
                later == 0 ? "no open outbox actions" : $"no open outbox action is due; {later} owed later", 0,
                "minutes");
        var age = now - since;
        var limit = TimeSpan.FromMinutes(options.Value.MaxPendingMinutes);
        return new HealthCheckResult("outbox-pending", age > limit ? HealthCheckResult.Failing : HealthCheckResult.Ok,
            $"oldest open action: '{kind}' of {incident}, owed {Math.Floor(age.TotalMinutes)} min ago (limit " +
            $"{options.Value.MaxPendingMinutes} min)",
            Math.Round(age.TotalMinutes, 1), "minutes");
    }

    private async Task<HealthCheckResult> ParkedAsync(CancellationToken ct)
    {
        // Parked actions are listed in the index partition "outbox-parked" (written before an action is parked, removed
        // when it is re-driven): this reads that partition and checks each listed action, never the outbox rows of
        // every incident. A listing whose action is no longer parked (a lost removal) is deleted on the way.
        var listed = await index.ListAsync(IncidentIndex.OutboxParkedPartition, MaxScanned, ct);
        var parked = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(listed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (row, token) =>
        {
            var actionId = IncidentIndex.ParkedActionId(row);
            if (await store.GetActionStatusAsync(row.IncidentId, actionId, token) == OutboxStatus.Failed)
                parked.Add(row.IncidentId);
            else await index.ClearParkedAsync(row.IncidentId, actionId, token);
        });
        var count = parked.Count;
        var incidents = new SortedSet<string>(parked, StringComparer.Ordinal);
        var max = options.Value.MaxParkedActions;
        var status = count == 0 ? HealthCheckResult.Ok : max > 0 && count >= max
            ? HealthCheckResult.Failing : HealthCheckResult.Warning;
        var detail = count == 0 ? "no parked actions"
            : $"{count}{(count >= MaxScanned ? "+" : "")} parked action(s) in {string.Join(", ", incidents.Take(10))}{(incidents.Count > 10 ? " …" : "")}: fix the cause, then POST /api/incidents/{{id}}/actions/retry";
        return new HealthCheckResult("outbox-parked", status, detail, count, "actions");
    }

    private async Task<HealthCheckResult> DeadLetteredAsync(CancellationToken ct)
    {
        int count;
        string where;
        if (services.GetService<StorageQueueReminders>() is { } queues)
        {
            var properties = await queues.Poison.GetPropertiesAsync(ct);
            count = properties.Value.ApproximateMessagesCount;
            where = $"storage queue {queues.Poison.Name}";
        }
        else if (services.GetService<ServiceBusClient>() is { } bus)
        {
            var name = services.GetRequiredService<IOptions<ReminderOptions>>().Value.QueueName;
            await using var receiver = bus.CreateReceiver(name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
            count = (await receiver.PeekMessagesAsync(MaxScanned, cancellationToken: ct)).Count;
            where = $"Service Bus {name}/$deadletterqueue";
        }
        else
        {
            return new HealthCheckResult("reminders-dead-lettered", HealthCheckResult.Ok,
                "reminders are not configured", 0, "messages");
        }
        var max = options.Value.MaxDeadLetteredReminders;
        var status = count == 0 ? HealthCheckResult.Ok : max > 0 && count >= max
            ? HealthCheckResult.Failing : HealthCheckResult.Warning;
        return new HealthCheckResult("reminders-dead-lettered", status, $"{count} dead-lettered reminder(s) in {where}",
            count, "messages");
    }

    /// <summary>
    /// Personal access tokens expiring within two weeks: a warning naming them (never failing; people sign in otherwise
    /// too).
    /// </summary>
    private async Task<HealthCheckResult> AccessTokensAsync(CancellationToken ct)
    {
        var expiring = await services.GetRequiredService<AutoResponder.Access.PersonalAccessTokens>()
            .ExpiringSoonAsync(ct);
        if (expiring.Count == 0)
            return new HealthCheckResult("access-tokens", HealthCheckResult.Ok,
                "no personal access token expires within 14 days", 0, "tokens");
        var now = time.GetUtcNow();
        var named = string.Join(", ",
            expiring.Take(10).Select(t =>
            $"{t.Id} ({t.Name}) in {Math.Ceiling((t.ExpiresAt!.Value - now).TotalDays):0} d"));
        return new HealthCheckResult("access-tokens", HealthCheckResult.Warning,
            $"{expiring.Count} personal access token(s) expire soon: {named}{(expiring.Count > 10 ? " …" : "")}. " +
            $"Create new ones (autoresponder tokens create) and revoke these.",
            expiring.Count, "tokens");
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
