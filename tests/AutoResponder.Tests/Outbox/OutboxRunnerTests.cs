using System.Collections.Concurrent;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Outbox;

/// <summary>A test effect: every acknowledgement owes one "test.notify" action.</summary>
internal sealed class NotifyOnAcknowledge : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        if (entry.Kind == TimelineKinds.Acknowledged) yield return ("test.notify", $$"""{"owner":"{{incident.Owner}}"}""");
    }
}

/// <summary>A handler whose behaviour each test scripts; it records every call. Run it with <c>services.AddOutbox(handler.Kind, handler)</c>.</summary>
internal sealed class ScriptedHandler(string kind = "test.notify") : IOutboxHandler
{
    public ConcurrentQueue<OutboxContext> Calls { get; } = new();
    public Func<OutboxContext, Task<OutboxOutcome>> Behaviour { get; set; } = _ => Task.FromResult(OutboxOutcome.Done("ok"));
    public OutboxKind Kind { get; } = OutboxKind.Declare<NoPayload, ScriptedHandler>(kind);

    public Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken cancellationToken)
    {
        Calls.Enqueue(context);
        return Behaviour(context);
    }
}

/// <summary>A test feature's typed state row.</summary>
public sealed class NotifyState : IncidentState
{
    public NotifyState() => RowKey = Prefix + "test-notify";
    public string? MessageId { get; set; }
    public int Sent { get; set; }
    public DateTimeOffset? LastSentAt { get; set; }
}

/// <summary>Owes three actions on acknowledgement: two in the "test" lane, one in the "other" lane.</summary>
internal sealed class ThreeActionsOnAcknowledge : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        if (entry.Kind != TimelineKinds.Acknowledged) yield break;
        yield return ("test.first", "{}");
        yield return ("other.notify", "{}");
        yield return ("test.second", "{}");
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class OutboxRunnerTests(AzuriteFixture azurite)
{
    private static async Task<(TestApp App, ScriptedHandler Handler, string IncidentId)> StartAsync(
        AzuriteFixture azurite, bool registerHandler = true, Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var handler = new ScriptedHandler();
        var app = await TestApp.StartAsync(azurite, settings, services =>
        {
            services.AddSingleton<IIncidentEffect, NotifyOnAcknowledge>();
            if (registerHandler) services.AddOutbox(handler.Kind, handler);
            configure?.Invoke(services);
        });
        var opened = await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert("ob-1", app.Time.GetUtcNow()), default);
        await app.Get<IncidentService>().AcknowledgeAsync(opened.IncidentId!, "alice", "alice", default);
        return (app, handler, opened.IncidentId!);
    }

    private static async Task<OutboxAction> SingleAction(TestApp app, string id) =>
        Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Actions);

    [Fact]
    public async Task An_owed_action_is_stored_with_its_change_signalled_and_run_once()
    {
        var (app, handler, id) = await StartAsync(azurite);
        await using var _ = app;
        var at = app.Time.GetUtcNow();
        handler.Behaviour = _ => Task.FromResult(new OutboxOutcome("msg-42", TimelineText: "Notified alice.",
            State: [StateChange.Of<NotifyState>(s => { s.MessageId = "msg-42"; s.Sent++; s.LastSentAt = at; })]));
        var incidentETag = (await app.Get<IncidentStore>().FindAsync(id, default))!.ETag;

        var pending = await SingleAction(app, id);
        Assert.Equal(OutboxStatus.Pending, pending.Status);
        var signal = await app.Storage.Outbox.ReceiveMessageAsync();
        Assert.Equal(id, OutboxMessage.Parse(signal.Value.Body.ToString()).IncidentId);

        await app.Get<OutboxRunner>().RunAsync(id, default);
        await app.Get<OutboxRunner>().RunAsync(id, default);

        Assert.Single(handler.Calls);
        Assert.Equal("alice", handler.Calls.Single().Incident.Owner);
        var details = (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;
        var done = Assert.Single(details.Actions);
        Assert.Equal((OutboxStatus.Done, "msg-42", 1), (done.Status, done.Result, done.Attempts));
        var state = await app.Get<IncidentStates>().ReadAsync<NotifyState>(id, default);
        Assert.Equal(("msg-42", 1, at), (state.MessageId, state.Sent, state.LastSentAt)); // typed, in its own row
        Assert.Equal(incidentETag, details.Incident.ETag); // recording the result did not write the incident row
        Assert.Contains(details.Timeline, t => t.Text == "Notified alice.");
        Assert.Null(await app.Get<IncidentIndex>().GetOutboxPendingAsync(id, default)); // nothing left: marker cleared
    }

    [Fact]
    public async Task A_recorded_state_change_applies_to_the_row_as_it_is_when_written_keeping_what_others_wrote_meanwhile()
    {
        var (app, handler, id) = await StartAsync(azurite);
        await using var _ = app;
        var states = app.Get<IncidentStates>();
        handler.Behaviour = async ctx =>
        {
            // While the action runs, the same feature records something at once (as Teams does when Graph answers).
            await states.UpdateAsync<NotifyState>(ctx.Incident.Id, s => { s.Sent = 5; s.MessageId = "early"; return true; }, default);
            return new OutboxOutcome("done", State: [StateChange.Of<NotifyState>(s => s.Sent++)]);
        };

        await app.Get<OutboxRunner>().RunAsync(id, default);

        var state = await states.ReadAsync<NotifyState>(id, default);
        Assert.Equal((6, "early"), (state.Sent, state.MessageId)); // reapplied to the current row, not a stale copy
        Assert.Equal(OutboxStatus.Done, (await SingleAction(app, id)).Status);
    }

    [Fact]
    public async Task A_failing_action_is_retried_with_backoff_and_then_succeeds()
    {
        var (app, handler, id) = await StartAsync(azurite);
        await using var _ = app;
        var failures = 2;
        handler.Behaviour = _ => failures-- > 0 ? throw new InvalidOperationException("unexpected answer") : Task.FromResult(OutboxOutcome.Done("sent"));
        var runner = app.Get<OutboxRunner>();

        await runner.RunAsync(id, default);
        var afterFirst = await SingleAction(app, id);
        Assert.Equal((OutboxStatus.Pending, 1), (afterFirst.Status, afterFirst.Attempts));
        Assert.Equal(app.Time.GetUtcNow().AddSeconds(10), afterFirst.NextAttemptAt);
        Assert.Contains("unexpected answer", afterFirst.LastError);

        await runner.RunAsync(id, default); // not due yet
        Assert.Single(handler.Calls);

        app.Time.Advance(TimeSpan.FromSeconds(10));
        await runner.RunAsync(id, default);
        Assert.Equal(app.Time.GetUtcNow().AddSeconds(20), (await SingleAction(app, id)).NextAttemptAt); // doubled

        app.Time.Advance(TimeSpan.FromSeconds(20));
        await runner.RunAsync(id, default);
        var done = await SingleAction(app, id);
        Assert.Equal((OutboxStatus.Done, 3, null), (done.Status, done.Attempts, done.LastError));
        Assert.Equal(3, handler.Calls.Count);
    }

    [Fact]
    public async Task After_max_attempts_the_action_is_parked_as_failed_where_people_see_it()
    {
        var (app, handler, id) = await StartAsync(azurite, settings: new() { ["AutoResponder:Outbox:MaxAttempts"] = "3" });
        await using var _ = app;
        handler.Behaviour = _ => throw new InvalidOperationException("channel not found");
        var runner = app.Get<OutboxRunner>();

        for (var i = 0; i < 5; i++)
        {
            await runner.RunAsync(id, default);
            app.Time.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.Equal(3, handler.Calls.Count);
        var details = (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;
        var parked = Assert.Single(details.Actions);
        Assert.Equal((OutboxStatus.Failed, 3), (parked.Status, parked.Attempts));
        var entry = Assert.Single(details.Timeline, t => t.Kind == TimelineKinds.ActionFailed);
        Assert.Contains("channel not found", entry.Text);
    }

    [Fact]
    public async Task An_action_waiting_on_a_person_is_retried_but_never_parked()
    {
        var (app, handler, id) = await StartAsync(azurite, settings: new() { ["AutoResponder:Outbox:MaxAttempts"] = "2" });
        await using var _ = app;
        handler.Behaviour = _ => throw new OutboxWaitException("Graph sign-in expired: run autoresponder graph login");

        for (var i = 0; i < 4; i++)
        {
            await app.Get<OutboxRunner>().RunAsync(id, default);
            app.Time.Advance(TimeSpan.FromHours(1));
        }

        var waiting = await SingleAction(app, id);
        Assert.Equal((OutboxStatus.Pending, 4), (waiting.Status, waiting.Attempts));
        Assert.Contains("graph login", waiting.LastError);
    }

    public static TheoryData<string> Outages() => ["503", "429", "connection refused", "timeout", "storage 500"];

    private static Exception Outage(string kind) => kind switch
    {
        "503" => new HttpRequestException("Service Unavailable", null, System.Net.HttpStatusCode.ServiceUnavailable),
        "429" => new HttpRequestException("Too Many Requests", null, System.Net.HttpStatusCode.TooManyRequests),
        "connection refused" => new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)),
        "timeout" => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()),
        _ => new Azure.RequestFailedException(500, "InternalError"),
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task A_dependency_outage_of_an_hour_waits_with_capped_backoff_spends_no_attempts_and_never_parks(string kind)
    {
        var (app, handler, id) = await StartAsync(azurite, settings: new() { ["AutoResponder:Outbox:MaxAttempts"] = "2", ["AutoResponder:Outbox:MaxDelaySeconds"] = "300" });
        await using var _ = app;
        var down = true;
        handler.Behaviour = _ => down ? throw Outage(kind) : Task.FromResult(OutboxOutcome.Done("sent"));
        var runner = app.Get<OutboxRunner>();

        for (var minute = 0; minute < 60; minute++) // an hour of outage, the runner coming by every minute
        {
            await runner.RunAsync(id, default);
            var waiting = await SingleAction(app, id);
            Assert.Equal((OutboxStatus.Pending, 0), (waiting.Status, waiting.Attempts));
            Assert.True(waiting.NextAttemptAt - app.Time.GetUtcNow() <= TimeSpan.FromSeconds(300), "the backoff is capped");
            app.Time.Advance(TimeSpan.FromMinutes(1));
        }
        var beforeRecovery = await SingleAction(app, id);
        Assert.InRange(beforeRecovery.Outages, 10, 60);
        Assert.StartsWith("Waiting for a dependency", beforeRecovery.LastError);

        down = false;
        app.Time.Advance(TimeSpan.FromMinutes(5));
        await runner.RunAsync(id, default);

        var done = await SingleAction(app, id);
        Assert.Equal((OutboxStatus.Done, 1), (done.Status, done.Attempts));
        var details = (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;
        Assert.DoesNotContain(details.Timeline, t => t.Kind == TimelineKinds.ActionFailed);
    }

    [Fact]
    public async Task A_4xx_from_a_dependency_still_spends_attempts_and_parks()
    {
        var (app, handler, id) = await StartAsync(azurite, settings: new() { ["AutoResponder:Outbox:MaxAttempts"] = "2" });
        await using var _ = app;
        handler.Behaviour = _ => throw new HttpRequestException("Not Found", null, System.Net.HttpStatusCode.NotFound);

        for (var i = 0; i < 3; i++)
        {
            await app.Get<OutboxRunner>().RunAsync(id, default);
            app.Time.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.Equal((OutboxStatus.Failed, 2), ((await SingleAction(app, id)).Status, (await SingleAction(app, id)).Attempts));
    }

    [Fact]
    public async Task A_permanent_failure_is_parked_at_once()
    {
        var (app, handler, id) = await StartAsync(azurite);
        await using var _ = app;
        handler.Behaviour = _ => throw new PermanentOutboxException("recipient address is invalid");

        await app.Get<OutboxRunner>().RunAsync(id, default);

        var parked = await SingleAction(app, id);
        Assert.Equal((OutboxStatus.Failed, 1), (parked.Status, parked.Attempts));
    }

    [Fact]
    public async Task An_action_without_a_handler_waits_visibly_and_spends_no_attempts()
    {
        var (app, _, id) = await StartAsync(azurite, registerHandler: false);
        await using var __ = app;

        await app.Get<OutboxRunner>().RunAsync(id, default);

        var waiting = await SingleAction(app, id);
        Assert.Equal((OutboxStatus.Pending, 0), (waiting.Status, waiting.Attempts));
        Assert.Contains("no handler for 'test.notify'", waiting.LastError);
        Assert.NotNull(await app.Get<IncidentIndex>().GetOutboxPendingAsync(id, default));
    }

    [Fact]
    public async Task Two_runners_at_once_execute_an_action_once()
    {
        var (app, handler, id) = await StartAsync(azurite);
        await using var _ = app;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handler.Behaviour = async _ => { entered.TrySetResult(); await release.Task; return OutboxOutcome.Done(); };

        var runners = Enumerable.Range(0, 4).Select(_ => Task.Run(() => app.Get<OutboxRunner>().RunAsync(id, default))).ToList();
        await entered.Task;
        // The handler is held: the three other runners must finish without running it (they find it leased).
        while (runners.Count(r => r.IsCompleted) < 3) await Task.WhenAny(runners.Where(r => !r.IsCompleted));
        release.SetResult();
        await Task.WhenAll(runners);

        Assert.Single(handler.Calls);
        Assert.Equal(OutboxStatus.Done, (await SingleAction(app, id)).Status);
    }

    /// <summary>How often a 30 s lease is renewed.</summary>
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs the incident's outbox with its handler held until <c>release</c> is set; returns once the handler runs and
    /// the runner waits on the clock to renew the lease.
    /// </summary>
    private static async Task<(Task Run, TaskCompletionSource Release)> RunHeldAsync(TestApp app, ScriptedHandler handler, string id)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        handler.Behaviour = async _ => { entered.TrySetResult(); await release.Task; return OutboxOutcome.Done("exported"); };
        var run = await app.Time.UntilWaitingAsync(() => Task.Run(() => app.Get<OutboxRunner>().RunAsync(id, default)), RenewEvery);
        await entered.Task;
        return (run, release);
    }

    [Fact]
    public async Task A_long_running_action_keeps_its_lease_so_no_other_runner_takes_it_over()
    {
        var (app, handler, id) = await StartAsync(azurite, settings: new() { ["AutoResponder:Outbox:LeaseSeconds"] = "30" });
        await using var _ = app;
        var (first, release) = await RunHeldAsync(app, handler, id);
        // The clock moves only once the runner waits to renew (and again after each renewal).
        for (var second = 0; second < 90; second++) // three leases' worth of time passes while the handler works
        {
            if ((second + 1) % 10 == 0) await app.Time.UntilWaitingAsync(() => app.Time.Advance(TimeSpan.FromSeconds(1)), RenewEvery);
            else app.Time.Advance(TimeSpan.FromSeconds(1));
            // The lease (30 s, renewed every 10 s) must never lapse; renewal writes are awaited by their stored effect, not by a sleep.
            await Eventually.TrueAsync(async () => (await SingleAction(app, id)).LeaseUntil > app.Time.GetUtcNow(), $"the lease is valid at +{second + 1} s");
        }
        var leased = await SingleAction(app, id);
        Assert.True(leased.LeaseUntil > app.Time.GetUtcNow(), "the lease was renewed");
        await app.Get<OutboxRunner>().RunAsync(id, default); // a second runner (the sweep) comes by
        release.SetResult();
        await first;

        Assert.Single(handler.Calls);
        Assert.Equal((OutboxStatus.Done, "exported"), ((await SingleAction(app, id)).Status, (await SingleAction(app, id)).Result));
    }

    /// <summary>Fails the next table writes (PUT) it is armed for, as a network error the SDK gave up on does.</summary>
    private sealed class FailingTableWrites : HttpPipelinePolicy
    {
        public int Armed;
        public int Failed;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Fail(HttpMessage message)
        {
            if (message.Request.Method != RequestMethod.Put || Interlocked.Decrement(ref Armed) < 0) return;
            Interlocked.Increment(ref Failed);
            throw new AggregateException(new IOException("connection reset (test)"));
        }
    }

    [Fact]
    public async Task A_lease_renewal_that_fails_on_a_network_error_is_tried_again_and_the_outcome_is_kept()
    {
        var writes = new FailingTableWrites();
        var (app, handler, id) = await StartAsync(azurite, settings: new() { ["AutoResponder:Outbox:LeaseSeconds"] = "30" },
            configure: services => services.AddSingleton(provider =>
            {
                // The app's storage clients, with the failing writes in their table pipeline.
                var settings = provider.GetRequiredService<IConfiguration>();
                var connection = settings["AzureWebJobsStorage"];
                var tables = new TableClientOptions();
                tables.AddPolicy(writes, HttpPipelinePosition.PerRetry);
                return new StorageClients(new TableServiceClient(connection, tables), new BlobServiceClient(connection),
                    new QueueServiceClient(connection, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }),
                    settings[StorageClients.PrefixSetting]!);
            }));
        await using var _ = app;
        var (first, release) = await RunHeldAsync(app, handler, id);

        writes.Armed = 1; // the first renewal fails
        await app.Time.UntilWaitingAsync(() => app.Time.Advance(RenewEvery), RenewEvery); // and the next one is due
        Assert.Equal(1, writes.Failed); // the renewal was tried
        await app.Time.UntilWaitingAsync(() => app.Time.Advance(RenewEvery), RenewEvery); // renewed at +20 s
        app.Time.Advance(TimeSpan.FromSeconds(15)); // past the first lease (+30 s)
        Assert.True((await SingleAction(app, id)).LeaseUntil > app.Time.GetUtcNow(), "the lease was renewed after the failure");

        release.SetResult();
        await first; // no exception from the renewal reaches the runner
        Assert.Single(handler.Calls);
        Assert.Equal((OutboxStatus.Done, "exported"), ((await SingleAction(app, id)).Status, (await SingleAction(app, id)).Result));
    }

    [Fact]
    public async Task A_failing_action_holds_back_its_own_lane_only_and_actions_run_in_the_order_owed()
    {
        var first = new ScriptedHandler("test.first") { Behaviour = _ => throw new HttpRequestException("Graph 503") };
        var second = new ScriptedHandler("test.second");
        var other = new ScriptedHandler("other.notify");
        await using var app = await TestApp.StartAsync(azurite, configure: services =>
        {
            services.AddSingleton<IIncidentEffect, ThreeActionsOnAcknowledge>();
            services.AddOutbox(first.Kind, first);
            services.AddOutbox(second.Kind, second);
            services.AddOutbox(other.Kind, other);
        });
        var opened = await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert("lane-1", app.Time.GetUtcNow()), default);
        await app.Get<IncidentService>().AcknowledgeAsync(opened.IncidentId!, "alice", "alice", default);

        await app.Get<OutboxRunner>().RunAsync(opened.IncidentId!, default);

        Assert.Single(first.Calls);
        Assert.Empty(second.Calls);  // waits behind test.first
        Assert.Single(other.Calls);  // another lane: not held back
        var actions = (await app.Get<IncidentStore>().GetDetailsAsync(opened.IncidentId!, default))!.Actions.OrderBy(a => a.RowKey, StringComparer.Ordinal).ToList();
        Assert.Equal(["test.first", "other.notify", "test.second"], actions.Select(a => a.Kind)); // stored in the order owed

        first.Behaviour = _ => Task.FromResult(OutboxOutcome.Done());
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await app.Get<OutboxRunner>().RunAsync(opened.IncidentId!, default);
        Assert.Single(second.Calls);
    }

    [Fact]
    public async Task The_sweep_runs_actions_whose_signal_was_lost()
    {
        var (app, handler, id) = await StartAsync(azurite);
        await using var _ = app;
        await app.Storage.Outbox.ClearMessagesAsync(); // the signal is lost

        var visited = await app.Get<OutboxSweeper>().SweepAsync(default);

        Assert.Equal(1, visited);
        Assert.Single(handler.Calls);
        Assert.Equal(OutboxStatus.Done, (await SingleAction(app, id)).Status);
    }
}
