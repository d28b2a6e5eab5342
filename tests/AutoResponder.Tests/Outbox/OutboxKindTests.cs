using System.Reflection;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using AutoResponder.Teams;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Outbox;

/// <summary>Each outbox kind is declared once, in its feature, and the runner's handlers and lanes come from those declarations.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OutboxKindTests(AzuriteFixture azurite)
{
    /// <summary>Every kind declared anywhere in the shared assembly (the features' <c>static readonly OutboxKind&lt;T&gt;</c> fields).</summary>
    private static List<OutboxKind> Declared() => typeof(OutboxKind).Assembly.GetTypes()
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => typeof(OutboxKind).IsAssignableFrom(f.FieldType))
        .Select(f => (OutboxKind)f.GetValue(null)!)
        .ToList();

    [Theory]
    [InlineData(0.0, null)]
    [InlineData(0.2, 1.0)]   // the SDK would send 0: visible at once, before its action is due
    [InlineData(14.6, 15.0)] // a storm e-mail due in 14.6 s: not a second early
    [InlineData(30.0, 30.0)]
    public void An_outbox_signal_is_hidden_until_its_action_is_due_never_a_second_early(double delaySeconds, double? hiddenSeconds)
        => Assert.Equal(hiddenSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            QueueOutboxSignal.Visibility(TimeSpan.FromSeconds(delaySeconds)));

    [Fact]
    public void Each_kind_name_is_declared_once_with_a_handler_type()
    {
        var declared = Declared();
        Assert.True(declared.Count >= 16, $"found {declared.Count} declarations");
        Assert.Equal(declared.Count, declared.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(declared, k => Assert.True(typeof(IOutboxHandler).IsAssignableFrom(k.Handler), $"{k.Name}: {k.Handler.Name}"));
    }

    [Fact]
    public async Task The_runner_runs_every_declared_kind_a_feature_registers_and_only_teams_post_is_a_first_notice()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var registered = app.Services.GetServices<OutboxKind>().ToList();
        var handlers = app.Get<OutboxHandlers>();
        var lanes = app.Get<OutboxLanes>();

        // Every declaration but the optional App Configuration mirror (not configured here) is run by this deployment.
        Assert.Equal(Declared().Select(k => k.Name).Where(n => n != AutoResponder.Switches.SwitchOutbox.Mirror.Name).Order(), registered.Select(k => k.Name).Order());
        foreach (var kind in registered)
        {
            Assert.True(handlers.TryGet(kind.Name, out var handler), kind.Name);
            Assert.IsType(kind.Handler, handler);
        }
        Assert.Equal([AutoResponder.OnCall.OnCallOutbox.EscalationStep.Name, AutoResponder.OnCall.OnCallOutbox.PageSend.Name, TeamsOutbox.Post.Name],
            registered.Where(k => lanes.IsFirstNotice(k.Name)).Select(k => k.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Payloads_are_the_json_the_handlers_read()
    {
        Assert.Equal(("status-email.schedule", "{}"), StatusEmailOutbox.Schedule.Owe(NoPayload.Value));
        Assert.Equal(("impact.snapshot", """{"trigger":"opened"}"""), ImpactOutbox.Snapshot.Owe(new ImpactSnapshotPayload(ImpactTriggers.Opened)));
        Assert.Equal(("teams.post", """{"entry":"tl|1"}"""), TeamsOutbox.Post.Owe(new EntryPayload("tl|1")));
        var (kind, payload) = StatusEmailOutbox.Email.Owe(new StatusEmailPayload(3, null, Final: true));
        var action = OutboxAction.Create("INC-1", kind, payload, DateTimeOffset.UnixEpoch);
        Assert.Equal(new StatusEmailPayload(3, null, Final: true), StatusEmailOutbox.Email.Read(action));
        action.Payload = "not json";
        Assert.Throws<PermanentOutboxException>(() => StatusEmailOutbox.Email.Read(action));
    }

    [Fact]
    public void A_lane_is_the_kind_up_to_its_first_dot()
    {
        Assert.Equal("teams", TeamsOutbox.Reply.Lane);
        Assert.Equal("ops", ImpactOutbox.DeliverExport.Lane);
        Assert.Equal("status-email", StatusEmailOutbox.Email.Lane);
    }
}
