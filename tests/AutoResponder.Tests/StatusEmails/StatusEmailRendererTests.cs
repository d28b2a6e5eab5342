using AutoResponder.Alerts;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.StatusEmails;

namespace AutoResponder.Tests.StatusEmails;

public sealed class StatusEmailRendererTests
{
    private static readonly DateTimeOffset Opened = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private static IncidentRecord Incident() => new()
    {
        Id = "INC-20261126-AB12",
        PartitionKey = "INC-20261126-AB12",
        Title = "Checkout <errors> & timeouts",
        Severity = Severity.Sev1,
        Status = IncidentStatus.Acknowledged,
        Owner = "alice@contoso.com",
        Service = "checkout",
        OpenedAt = Opened,
        StatusText = "Rolling back release 42",
        StatusUpdatedAt = Opened.AddMinutes(20),
        NextSteps = "Verify payment provider",
        Eta = Opened.AddMinutes(45),
    };

    private static StatusEmailModel Model(IncidentRecord incident, DateTimeOffset now, ImpactSnapshotRecord? snapshot = null,
        IReadOnlyList<TimelineEntry>? changes = null, StatusEmailKind kind = StatusEmailKind.Update, int earlier = 0) =>
        new(incident, kind, 3, now, TimeSpan.FromMinutes(30), snapshot is null ? [] : IncidentImpact.Lines(snapshot),
            changes ?? [], Opened.AddMinutes(30), earlier);

    [Fact]
    public void Html_and_text_carry_every_field()
    {
        var now = Opened.AddMinutes(60);
        var snapshot = new ImpactSnapshotRecord
        {
            SnapshotId = "0002",
            TakenAt = Opened.AddMinutes(50),
            Orders = 1204,
            Customers = 988,
            CustomersApproximate = true,
            MoneyAtRiskJson = """{"USD":"12.5","EUR":"84310.5"}""",
        };
        var changes = new[] { TimelineEntry.Create("INC-20261126-AB12", Opened.AddMinutes(40), TimelineKinds.Mitigated, "bob", "Feature flag off") };

        var email = StatusEmailRenderer.Render(Model(Incident(), now, snapshot, changes));

        Assert.Contains("[Sev1]", email.Subject);
        Assert.Contains("INC-20261126-AB12", email.Subject);
        Assert.Contains("Status update #3", email.Subject);
        foreach (var body in new[] { email.Html, email.Text })
        {
            Assert.Contains("acknowledged", body);                 // status
            Assert.Contains("Sev1", body);                         // severity
            Assert.Contains("1h 0m (ongoing)", body);              // duration
            Assert.Contains("alice@contoso.com", body);            // owner
            Assert.Contains("Affected orders", body);
            Assert.Contains("1,204", body);                        // orders
            Assert.Contains("~988", body);                         // customers (approximate)
            Assert.Contains("EUR 84,310.50, USD 12.50", body);     // money at risk per currency
            Assert.Contains("Money at risk", body);
            Assert.Contains("snapshot 0002, 2026-11-26 09:50 UTC", body);
            Assert.DoesNotContain(StatusEmailRenderer.NotAnalysed, body);
            Assert.Contains("Rolling back release 42", body);      // latest update
            Assert.Contains("Verify payment provider", body);      // next steps
            Assert.Contains("2026-11-26 09:45 UTC", body);         // ETA
            Assert.Contains("Feature flag off", body);             // what changed
            Assert.Contains("since the last email (2026-11-26 09:30 UTC)", body);
            Assert.Contains(StatusEmailRenderer.EtaPassedFlag, body); // ETA 09:45 passed, last update 09:20
            Assert.Contains("No status update for 40m", body);     // 09:20 → 10:00 with a 30m cadence
        }
        Assert.Contains("Checkout &lt;errors&gt; &amp; timeouts", email.Html);
        Assert.DoesNotContain("<errors>", email.Html);
        Assert.Contains("Checkout <errors> & timeouts", email.Text);
    }

    [Fact]
    public void Without_recorded_impact_it_says_not_yet_analysed_and_flags_nothing_when_on_time()
    {
        var incident = Incident();
        incident.Eta = Opened.AddHours(3);
        var email = StatusEmailRenderer.Render(Model(incident, Opened.AddMinutes(35)));

        Assert.Contains(StatusEmailRenderer.NotAnalysed, email.Html);
        Assert.Contains(StatusEmailRenderer.NotAnalysed, email.Text);
        Assert.DoesNotContain(StatusEmailRenderer.EtaPassedFlag, email.Html);
        Assert.DoesNotContain("No status update for", email.Text);
        Assert.Contains("No changes.", email.Text);
    }

    [Fact]
    public void An_update_after_the_eta_clears_the_flag()
    {
        var incident = Incident();
        incident.StatusUpdatedAt = Opened.AddMinutes(50); // after the 09:45 ETA
        Assert.False(StatusEmailRenderer.EtaPassed(incident, Opened.AddMinutes(60)));
        incident.StatusUpdatedAt = Opened.AddMinutes(40);
        Assert.True(StatusEmailRenderer.EtaPassed(incident, Opened.AddMinutes(60)));
    }

    [Fact]
    public void The_final_email_says_resolved_and_gives_the_total_duration()
    {
        var incident = Incident();
        incident.Status = IncidentStatus.Resolved;
        incident.ResolvedAt = Opened.AddMinutes(95);
        var email = StatusEmailRenderer.Render(Model(incident, Opened.AddHours(3), kind: StatusEmailKind.Final));

        Assert.Contains("final", email.Subject);
        Assert.Contains("[resolved]", email.Subject);
        Assert.Contains("Duration: 1h 35m", email.Text);
        Assert.DoesNotContain("(ongoing)", email.Text);
        Assert.DoesNotContain(StatusEmailRenderer.EtaPassedFlag, email.Text);
    }

    [Fact]
    public void A_long_change_list_shows_the_latest_entries_and_counts_the_rest()
    {
        var changes = new[] { TimelineEntry.Create("INC-20261126-AB12", Opened.AddMinutes(41), TimelineKinds.Alert, "monitor", "latest alert") };
        var email = StatusEmailRenderer.Render(Model(Incident(), Opened.AddMinutes(45), changes: changes, earlier: 312));

        Assert.Contains("312 earlier entries omitted", email.Html);
        Assert.Contains("312 earlier entries omitted", email.Text);
        Assert.Contains("latest alert", email.Text);
    }

    [Fact]
    public void The_email_links_to_the_incident_page_when_the_console_has_a_public_url()
    {
        var withLink = StatusEmailRenderer.Render(Model(Incident(), Opened.AddMinutes(35)) with { ConsoleUrl = "https://incidents.shop.example/incidents/INC-1?x=<y>" });
        Assert.Contains("<a href=\"https://incidents.shop.example/incidents/INC-1?x=&lt;y&gt;\">Open the incident page</a>", withLink.Html);
        Assert.Contains("Incident page: https://incidents.shop.example/incidents/INC-1?x=<y>", withLink.Text);

        var without = StatusEmailRenderer.Render(Model(Incident(), Opened.AddMinutes(35)));
        Assert.DoesNotContain("Incident page", without.Text);
        Assert.DoesNotContain("Open the incident page", without.Html);
    }
}
