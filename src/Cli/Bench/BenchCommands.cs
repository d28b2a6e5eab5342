using System.CommandLine;

namespace AutoResponder.Cli.Bench;

/// <summary>`autoresponder bench …`: benchmarks that print a ratio against raw Azurite measured in the same run.</summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var alerts = new Option<int>("--alerts") { Description = "Alerts to send.", DefaultValueFactory = _ => 10_000 };
        var fingerprints = new Option<int>("--fingerprints") { Description = "Distinct alerts (each must open exactly one incident).", DefaultValueFactory = _ => 50 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 16 };
        var storm = new Command("storm", "Alert storm over HTTP against the standalone host on Azurite, compared with raw single-entity inserts.")
        {
            alerts, fingerprints, concurrency,
        };
        storm.SetAction(async (parse, ct) =>
            await AlertStormBenchmark.RunAsync(parse.GetValue(alerts), parse.GetValue(fingerprints), parse.GetValue(concurrency), Console.Out, ct));

        return new Command("bench", "Benchmarks (run against Azurite; see README).") { storm };
    }
}
