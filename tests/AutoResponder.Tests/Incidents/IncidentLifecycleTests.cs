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
}
