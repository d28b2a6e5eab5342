using AutoResponder.Alerts;
using AutoResponder.Incidents;

namespace AutoResponder.Tests.Incidents;

public sealed class IncidentLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static IncidentChange In(IncidentStatus status) =>
        new(new IncidentRecord { Id = "INC-20261126-TEST", PartitionKey = "INC-20261126-TEST", Status = status, Severity = Severity.Sev2 }, isNew: false);

    public static TheoryData<string, IncidentStatus, bool> Transitions()
    {
        var data = new TheoryData<string, IncidentStatus, bool>();
        var allowed = new Dictionary<string, IncidentStatus[]>
        {
            ["acknowledge"] = [IncidentStatus.Open, IncidentStatus.Acknowledged],
            ["status"] = [IncidentStatus.Open, IncidentStatus.Acknowledged, IncidentStatus.Mitigated],
            ["mitigate"] = [IncidentStatus.Open, IncidentStatus.Acknowledged],
            ["resolve"] = [IncidentStatus.Open, IncidentStatus.Acknowledged, IncidentStatus.Mitigated],
            ["close"] = [IncidentStatus.Resolved],
        };
        foreach (var (action, from) in allowed)
            foreach (var status in Enum.GetValues<IncidentStatus>())
                data.Add(action, status, from.Contains(status));
        return data;
    }

    private static void Apply(string action, IncidentChange change)
    {
        switch (action)
        {
            case "acknowledge": IncidentLifecycle.Acknowledge(change, "alice", "alice", Now); break;
            case "status": IncidentLifecycle.UpdateStatus(change, "Rolling back", "Watch errors", Now.AddHours(1), "alice", Now); break;
            case "mitigate": IncidentLifecycle.Mitigate(change, null, "alice", Now); break;
            case "resolve": IncidentLifecycle.Resolve(change, null, "alice", Now); break;
            case "close": IncidentLifecycle.Close(change, null, "alice", Now); break;
        }
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Each_action_is_allowed_only_from_its_statuses(string action, IncidentStatus from, bool allowed)
    {
        var change = In(from);
        if (allowed)
        {
            Apply(action, change);
            Assert.Equal(action == "status" ? "status" : action + (action.EndsWith('e') ? "d" : "ed"), change.Entries.Single().Kind);
        }
        else
        {
            var error = Assert.Throws<InvalidTransitionException>(() => Apply(action, change));
            Assert.Equal(from, error.Current);
            Assert.Contains(from.ToApi(), error.Message);
            Assert.Empty(change.Entries);
        }
    }

    [Fact]
    public void Acknowledge_sets_owner_and_time_and_a_second_acknowledge_hands_over()
    {
        var change = In(IncidentStatus.Open);
        IncidentLifecycle.Acknowledge(change, "alice", "alice", Now);
        IncidentLifecycle.Acknowledge(change, "bob", "alice", Now.AddMinutes(5));

        Assert.Equal((IncidentStatus.Acknowledged, "bob", Now), (change.Incident.Status, change.Incident.Owner, change.Incident.AcknowledgedAt));
        Assert.Contains("handed to bob", change.Entries[1].Text);
    }

    [Fact]
    public void A_status_update_records_text_next_steps_and_eta_on_the_incident_and_timeline()
    {
        var change = In(IncidentStatus.Acknowledged);
        IncidentLifecycle.UpdateStatus(change, "Payment provider degraded", "Fail over to backup PSP", Now.AddMinutes(45), "carol", Now);

        var incident = change.Incident;
        Assert.Equal(("Payment provider degraded", "Fail over to backup PSP", Now.AddMinutes(45), Now),
            (incident.StatusText, incident.NextSteps, incident.Eta, incident.StatusUpdatedAt));
        var entry = change.Entries.Single();
        Assert.Equal("carol", entry.Actor);
        Assert.Contains("ETA: 2026-11-26 10:45 UTC", entry.Text);
    }

    [Fact]
    public void Resolve_sets_mitigated_time_when_it_was_skipped()
    {
        var change = In(IncidentStatus.Open);
        IncidentLifecycle.Resolve(change, "fixed", "dave", Now);
        Assert.Equal((IncidentStatus.Resolved, Now, Now), (change.Incident.Status, change.Incident.MitigatedAt, change.Incident.ResolvedAt));
    }

    private static readonly AutoResponder.Hosting.AutoResponderOptions Settings = new() { ReopenWindowMinutes = 60 };
    private static readonly AlertKeys Keys = new("dedup", "group", "alert");

    private static IncidentRecord Incident(IncidentStatus status, DateTimeOffset? resolvedAt = null, DateTimeOffset? lastAlertAt = null) => new()
    {
        Id = "INC-20261126-TEST",
        PartitionKey = "INC-20261126-TEST",
        Status = status,
        Severity = Severity.Sev2,
        DedupHash = "dedup",
        GroupHash = "group",
        OpenedAt = Now.AddHours(-3),
        ResolvedAt = resolvedAt,
        LastAlertAt = lastAlertAt ?? Now.AddSeconds(-10),
    };

    private static AlertRowState Row(bool firing, DateTimeOffset startsAt) => new(firing, startsAt, 1, default);

    [Fact]
    public void Judge_is_the_one_rule_for_whether_an_incident_takes_an_alert()
    {
        var firing = AutoResponder.Tests.Intake.AlertIngestorTests.Alert("fp", Now.AddMinutes(-1));
        var resolution = firing with { Status = AlertStatus.Resolved };
        var longAgo = Now.AddHours(-2);

        // Another group's incident (a collision, a stale pointer) is never filed into.
        Assert.Equal(AlertVerdict.Stranger, IncidentLifecycle.Judge(Incident(IncidentStatus.Open), new AlertKeys("other", "other", "alert"), firing, null, Settings, Now));
        // Live: news changes the incident; the same delivery again is a duplicate; a newer firing of a firing alert is a repeat.
        Assert.Equal(AlertVerdict.Change, IncidentLifecycle.Judge(Incident(IncidentStatus.Open), Keys, firing, null, Settings, Now));
        Assert.Equal(AlertVerdict.Duplicate, IncidentLifecycle.Judge(Incident(IncidentStatus.Open), Keys, firing, Row(true, firing.StartsAt), Settings, Now));
        Assert.Equal(AlertVerdict.Repeat, IncidentLifecycle.Judge(Incident(IncidentStatus.Open), Keys, firing, Row(true, firing.StartsAt.AddMinutes(-5)), Settings, Now));
        // A repeat that would raise the severity, or finds the last alert time stale, changes the incident.
        Assert.Equal(AlertVerdict.Change, IncidentLifecycle.Judge(Incident(IncidentStatus.Open), Keys, firing with { Severity = Severity.Sev1 }, Row(true, firing.StartsAt.AddMinutes(-5)), Settings, Now));
        Assert.Equal(AlertVerdict.Change, IncidentLifecycle.Judge(Incident(IncidentStatus.Open, lastAlertAt: Now.AddMinutes(-2)), Keys, firing, Row(true, firing.StartsAt.AddMinutes(-5)), Settings, Now));
        // Resolved within the reopen window takes a firing (it reopens); beyond it, the firing is a new incident's.
        Assert.Equal(AlertVerdict.Change, IncidentLifecycle.Judge(Incident(IncidentStatus.Resolved, resolvedAt: Now.AddMinutes(-5)), Keys, firing, Row(false, firing.StartsAt.AddMinutes(-5)), Settings, Now));
        Assert.Equal(AlertVerdict.OpensNew, IncidentLifecycle.Judge(Incident(IncidentStatus.Resolved, resolvedAt: longAgo), Keys, firing, Row(false, firing.StartsAt.AddMinutes(-5)), Settings, Now));
        Assert.Equal(AlertVerdict.Change, IncidentLifecycle.Judge(Incident(IncidentStatus.Resolved, resolvedAt: longAgo), Keys, resolution, Row(true, firing.StartsAt), Settings, Now));
        // Closed takes nothing: a resolution is ignored, a redelivery of what it holds is a duplicate, anything newer opens anew.
        Assert.Equal(AlertVerdict.Ignored, IncidentLifecycle.Judge(Incident(IncidentStatus.Closed), Keys, resolution, Row(true, firing.StartsAt), Settings, Now));
        Assert.Equal(AlertVerdict.Duplicate, IncidentLifecycle.Judge(Incident(IncidentStatus.Closed), Keys, firing, Row(false, firing.StartsAt), Settings, Now));
        Assert.Equal(AlertVerdict.OpensNew, IncidentLifecycle.Judge(Incident(IncidentStatus.Closed), Keys, firing, Row(false, firing.StartsAt.AddMinutes(-5)), Settings, Now));
    }
}
