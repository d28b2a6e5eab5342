using AutoResponder.Cli.Drill;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Tests.Drill;

/// <summary>The drill is the end-to-end test: every playbook step against the test Azurite, on a compressed clock.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PriceTamperingDrillTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_drill_runs_every_step_of_the_playbook_and_scores_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString }).Build();
        var output = new StringWriter();
        var folder = Path.Combine(Path.GetTempPath(), "drill-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var score = await new PriceTamperingDrill(configuration, new DrillSpec { HistoryOrders = 300, OrdersPerMinute = 12, OutboxFolder = folder }, output).RunAsync(default);
            PriceTamperingDrill.Print(score, output);
            var log = output.ToString();
            Assert.True(score.Passed, log);
            Assert.InRange(score.TimeToDetect!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(2));  // guard every minute, 30 s settle
            Assert.Equal(TimeSpan.FromMinutes(2), score.TimeToAcknowledge);
            Assert.True(score.AffectedBeforeSwitch > 0);
            Assert.Equal(0, score.AffectedAfterSwitch);
            Assert.Equal(score.AffectedBeforeSwitch, score.SnapshotOrders);
            Assert.True(score.MoneyAtRisk["EUR"] > 0);
            Assert.Contains(score.Sent, s => s.StartsWith("Mail to ops@shop.example"));
            Assert.Contains(score.Sent, s => s.StartsWith("Mail to lead@shop.example") && s.Contains("Paged"));   // level 1 timed out once
            Assert.Equal(2, score.Sent.Count(s => s.Contains("] Paged:")));                                        // and nobody after the acknowledgement
            Assert.Contains("Teams chat pages: 2", score.Sent);
            Assert.Contains("Scorecard", log);
            Assert.Contains(score.Steps, s => s is { Name: "the release is a suspect", Happened: true });
            Assert.Contains(score.Steps, s => s is { Name: "action items recorded", Happened: true, Detail: "3 items, 1 done" });
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
