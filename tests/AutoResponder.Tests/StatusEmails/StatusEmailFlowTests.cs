using AutoResponder.Alerts;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Api;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using AutoResponder.Tests.Graph;
using AutoResponder.Tests.Impact;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;

namespace AutoResponder.Tests.StatusEmails;

[Collection(AzuriteCollection.Name)]
public sealed class StatusEmailFlowTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["AutoResponder:Mail:Sender"] = "incidents@contoso.com",
        ["AutoResponder:Mail:ManagerRecipients:Severity:Sev1"] = "sev1-managers@contoso.com",
        ["AutoResponder:Mail:ManagerRecipients:Service:payments"] = "payments-lead@contoso.com",
        ["AutoResponder:Mail:ManagerRecipients:Default"] = "managers@contoso.com",
        ["AutoResponder:StatusEmails:Enabled"] = "true",
    };

    private static async Task<(TestApp App, FakeGraphHandler Graph)> StartAsync(AzuriteFixture azurite)
    {
        var graph = new FakeGraphHandler();
        var app = await TestApp.StartAsync(azurite, Settings, graph.Install);
        return (app, graph);
    }

    private static async Task<string> OpenAsync(TestApp app, Severity severity, string service = "checkout")
    {
        var alert = AlertIngestorTests.Alert("fp-" + Guid.NewGuid().ToString("N")[..6], app.Time.GetUtcNow(), severity, service);
        var result = await app.Get<AlertIngestor>().IngestAsync(alert, default);
        return result.IncidentId!;
    }

    private static async Task<IncidentDetails> DetailsAsync(TestApp app, string id) => (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;

    [Fact]
    public async Task Sev1_gets_a_first_email_one_per_slot_an_overdue_nudge_and_a_final_email_then_nothing()
    {
        var (app, graph) = await StartAsync(azurite);
        await using var _ = app;
        var runner = app.Get<OutboxRunner>();
        var sweep = app.Get<StatusEmailSweep>();
        var id = await OpenAsync(app, Severity.Sev1);
        await runner.RunAsync(id, default);

        var first = Assert.Single(graph.SendMails);
        Assert.Equal("/v1.0/users/incidents@contoso.com/sendMail", first.Path);
        Assert.Contains("Incident opened", first.Subject);
        Assert.Equal(["sev1-managers@contoso.com"], first.To);
        var due = Assert.Single(await app.Get<StatusEmailSchedule>().DueAsync(DateTimeOffset.MaxValue, 10, default));
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(30), due.DueAt);

        app.Time.Advance(TimeSpan.FromMinutes(5));
        await app.Get<IncidentService>().AcknowledgeAsync(id, "alice@contoso.com", "alice@contoso.com", default);
        await runner.RunAsync(id, default);
        Assert.Equal(0, await sweep.SweepAsync(default)); // nothing due yet

        app.Time.Advance(TimeSpan.FromMinutes(26)); // 09:31
        Assert.Equal(1, await sweep.SweepAsync(default));
        Assert.Equal(0, await sweep.SweepAsync(default)); // a retried run owes nothing more
        await runner.RunAsync(id, default);
        await runner.RunAsync(id, default);
        Assert.Equal(2, graph.SendMails.Count);
        var second = graph.SendMails[1];
        Assert.Contains("Status update #2", second.Subject);
        Assert.Contains("Acknowledged; owner alice@contoso.com", second.Html); // what changed since the first email
        Assert.DoesNotContain("Opened by generic alert", second.Html);        // … and not before it
        var overdue = Assert.Single((await DetailsAsync(app, id)).Timeline, t => t.Kind == TimelineKinds.StatusOverdue);
        Assert.Contains("@alice@contoso.com", overdue.Text);

        // The same slot owed again (a racing sweep) is not sent twice.
        var change = new IncidentChange((await app.Get<IncidentStore>().FindAsync(id, default))!, isNew: false) { LeaveIncidentRow = true };
        change.Actions.Add(OutboxAction.Create(id, StatusEmailOutbox.Email.Name, new StatusEmailPayload(1, app.Time.GetUtcNow().AddMinutes(-1)).ToJson(), app.Time.GetUtcNow()));
        await app.Get<IncidentCommits>().CommitAsync(change, default);
        await runner.RunAsync(id, default);
        Assert.Equal(2, graph.SendMails.Count);
        Assert.Contains((await DetailsAsync(app, id)).Actions, a => a.Result == "skipped: slot 1 already sent");

        // A status update with an ETA that then passes without another update.
        app.Time.Advance(TimeSpan.FromMinutes(9)); // 09:40
        await app.Get<IncidentService>().UpdateStatusAsync(id, "Rolling back", "Watch error rate", app.Time.GetUtcNow().AddMinutes(10), "alice@contoso.com", default);
        await runner.RunAsync(id, default);
        app.Time.Advance(TimeSpan.FromMinutes(21)); // 10:01, ETA 09:50 passed
        Assert.Equal(1, await sweep.SweepAsync(default));
        await runner.RunAsync(id, default);
        var third = graph.SendMails[2];
        Assert.Contains(StatusEmailRenderer.EtaPassedFlag, third.Html);
        Assert.Contains("Rolling back", third.Html);
        Assert.Contains("Watch error rate", third.Html);
        Assert.Single((await DetailsAsync(app, id)).Timeline, t => t.Kind == TimelineKinds.StatusOverdue); // the update came within the cadence

        await app.Get<IncidentService>().ResolveAsync(id, "Rolled back", "alice@contoso.com", default);
        await runner.RunAsync(id, default);
        Assert.Equal(4, graph.SendMails.Count);
        Assert.Contains("final", graph.SendMails[3].Subject);

        app.Time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await sweep.SweepAsync(default));
        await runner.RunAsync(id, default);
        Assert.Equal(4, graph.SendMails.Count);
        Assert.Empty(await app.Get<StatusEmailSchedule>().DueAsync(DateTimeOffset.MaxValue, 10, default));
        Assert.Equal(4, (await DetailsAsync(app, id)).Timeline.Count(t => t.Kind == TimelineKinds.StatusEmail));
    }

    [Fact]
    public async Task Sev3_waits_for_its_cadence_and_a_raise_to_Sev1_sends_at_once_and_shortens_the_cadence()
    {
        var (app, graph) = await StartAsync(azurite);
        await using var _ = app;
        var runner = app.Get<OutboxRunner>();
        var id = await OpenAsync(app, Severity.Sev3, service: "payments");
        await runner.RunAsync(id, default);
        Assert.Empty(graph.SendMails);
        var opened = app.Time.GetUtcNow();
        Assert.Equal(opened.AddHours(4), Assert.Single(await app.Get<StatusEmailSchedule>().DueAsync(DateTimeOffset.MaxValue, 10, default)).DueAt);

        app.Time.Advance(TimeSpan.FromMinutes(20)); // within the grouping window
        var incident = (await app.Get<IncidentStore>().FindAsync(id, default))!;
        var raise = AlertIngestorTests.Alert("fp-raise-" + id, app.Time.GetUtcNow(), Severity.Sev1, "payments");
        raise = raise with { Fingerprint = "fp-raise-" + id };
        // join the same incident through its grouping key (service + rule)
        raise = raise with { Rule = incident.Rule };
        var result = await app.Get<AlertIngestor>().IngestAsync(raise, default);
        Assert.Equal(id, result.IncidentId);
        await runner.RunAsync(id, default);

        var mail = Assert.Single(graph.SendMails);
        Assert.Contains("[Sev1]", mail.Subject);
        Assert.Equal(["payments-lead@contoso.com", "sev1-managers@contoso.com"], mail.To);
        var rows = await app.Get<StatusEmailSchedule>().DueAsync(DateTimeOffset.MaxValue, 10, default);
        Assert.Contains(rows, r => r.DueAt == opened.AddMinutes(30)); // next Sev1 slot after 09:20

        app.Time.Advance(TimeSpan.FromMinutes(11)); // 09:31: slot 1 of the 30-minute cadence
        Assert.Equal(1, await app.Get<StatusEmailSweep>().SweepAsync(default));
        await runner.RunAsync(id, default);
        Assert.Equal(2, graph.SendMails.Count);
    }

    [Fact]
    public async Task Emails_show_orders_customers_and_money_at_risk_of_the_latest_impact_snapshot()
    {
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in ImpactTestKit.Rules([("Name", "all-checkout"), ("Kind", "AllOrders"), ("Services:0", "checkout")])) settings[key] = value;
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, settings, graph.Install);
        var now = app.Time.GetUtcNow();
        await ImpactTestKit.SeedAsync(app,
            ImpactRuleTests.Order("o1", now.AddMinutes(-10), price: 1234.5m),
            ImpactRuleTests.Order("o2", now.AddMinutes(-9), price: 20m, quantity: 2),
            ImpactRuleTests.Order("o3", now.AddMinutes(-8), price: 7m, currency: "USD"));
        var runner = app.Get<OutboxRunner>();
        var id = await OpenAsync(app, Severity.Sev1);
        await runner.RunAsync(id, default);
        await runner.RunAsync(id, default);
        var snapshot = Assert.Single(await app.Get<ImpactSnapshotStore>().ListAsync(id, default));
        Assert.Equal((3, 3), (snapshot.Orders, snapshot.Customers));

        app.Time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(1, await app.Get<StatusEmailSweep>().SweepAsync(default));
        await runner.RunAsync(id, default);

        var mail = graph.SendMails.Last(m => m.Subject.Contains("Status update"));
        Assert.DoesNotContain(StatusEmailRenderer.NotAnalysed, mail.Html);
        Assert.Contains("<th style=\"text-align:left;padding:2px 12px 2px 0\">Affected orders</th><td>3</td>", mail.Html);
        Assert.Contains("Affected customers</th><td>3</td>", mail.Html);
        Assert.Contains("Order value at risk</th><td>EUR 1,274.50, USD 7.00</td>", mail.Html); // an all-orders rule: its money at risk is the order value
        Assert.Contains($"snapshot {snapshot.SnapshotId}", mail.Html);
    }

    [Fact]
    public async Task The_final_email_is_owed_by_the_resolution_snapshot_and_reports_it()
    {
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in ImpactTestKit.Rules([("Name", "all-checkout"), ("Kind", "AllOrders"), ("Services:0", "checkout")])) settings[key] = value;
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, settings, graph.Install);
        var now = app.Time.GetUtcNow();
        await ImpactTestKit.SeedAsync(app, ImpactRuleTests.Order("o1", now.AddMinutes(-10), price: 10m));
        var runner = app.Get<OutboxRunner>();
        var id = await OpenAsync(app, Severity.Sev1);
        await runner.RunAsync(id, default);
        app.Time.Advance(TimeSpan.FromMinutes(5));
        await ImpactTestKit.SeedAsync(app, ImpactRuleTests.Order("o2", app.Time.GetUtcNow().AddMinutes(-1), price: 20m));

        await app.Get<IncidentService>().ResolveAsync(id, "Fixed", "ana", default);
        // Resolving owes the snapshot, not yet the final email: nothing can send it before the snapshot exists.
        var open = (await DetailsAsync(app, id)).Actions.Where(a => a.Status == OutboxStatus.Pending).ToList();
        Assert.Contains(open, a => a.Kind == "impact.snapshot");
        Assert.DoesNotContain(open, a => a.Kind == StatusEmailOutbox.Email.Name && StatusEmailPayload.Parse(a.Payload).Final);
        await runner.RunAsync(id, default);

        var snapshots = await app.Get<ImpactSnapshotStore>().ListAsync(id, default);
        Assert.Equal(2, snapshots.Count);
        var actions = (await DetailsAsync(app, id)).Actions;
        var snapshotDone = actions.Single(a => a.Kind == "impact.snapshot" && a.Payload.Contains("resolved")).CompletedAt!.Value;
        var final = Assert.Single(actions, a => a.Kind == StatusEmailOutbox.Email.Name && StatusEmailPayload.Parse(a.Payload).Final);
        Assert.True(final.CreatedAt >= snapshotDone);
        Assert.Equal(OutboxStatus.Done, final.Status);
        var mail = graph.SendMails.Last();
        Assert.Contains("final update", mail.Subject);
        Assert.Contains($"snapshot {snapshots[1].SnapshotId}", mail.Html);
        Assert.Contains("Affected orders</th><td>2</td>", mail.Html);

        var state = await app.Get<IncidentResources>().ReadAsync((await app.Get<IncidentStore>().FindAsync(id, default))!, default);
        Assert.Equal((snapshots[1].SnapshotId, 2L), (state.Impact!.Snapshot, state.Impact.Orders));
        Assert.Equal(2, state.StatusEmails.Sent); // the first email and the final one
        Assert.NotNull(state.StatusEmails.LastSentAt);
        Assert.Null(state.StatusEmails.NextDueAt); // resolved: no cadence email is due
    }

    [Fact]
    public async Task Without_a_rule_for_the_incident_the_skipped_resolution_snapshot_still_owes_the_final_email()
    {
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in ImpactTestKit.Rules([("Name", "payments-only"), ("Kind", "AllOrders"), ("Services:0", "payments")])) settings[key] = value;
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, settings, graph.Install);
        var runner = app.Get<OutboxRunner>();
        var id = await OpenAsync(app, Severity.Sev1);
        await runner.RunAsync(id, default);

        await app.Get<IncidentService>().ResolveAsync(id, "Fixed", "ana", default);
        await runner.RunAsync(id, default);

        var details = await DetailsAsync(app, id);
        Assert.Contains(details.Timeline, t => t.Kind == TimelineKinds.ImpactSkipped);
        Assert.Single(details.Actions, a => a.Kind == StatusEmailOutbox.Email.Name && StatusEmailPayload.Parse(a.Payload).Final && a.Status == OutboxStatus.Done);
        Assert.Contains("final update", graph.SendMails.Last().Subject);
    }
}
