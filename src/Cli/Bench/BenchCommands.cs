using System.CommandLine;

namespace AutoResponder.Cli.Bench;

/// <summary>
/// `autoresponder bench …`: benchmarks that print a ratio against raw Azurite measured in the same run.
/// </summary>
internal static class BenchCommands
{
    public static Command Create()
    {
        var alerts = new Option<int>("--alerts") { Description = "Alerts to send.", DefaultValueFactory = _ => 10_000 };
        var fingerprints = new Option<int>("--fingerprints")
        {
            Description = "Incidents the spread storm goes to (distinct alerts, each must open exactly one incident).",
            DefaultValueFactory = _ => 50,
        };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Requests in flight.",
            DefaultValueFactory = _ => 16,
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Rounds of raw inserts, spread storm and single-incident storm; the median round is reported.",
            DefaultValueFactory = _ => 3,
        };
        var storm = new Command("storm", "Alert storms over HTTP against the standalone host on Azurite (spread over --fingerprints incidents, and into one incident), compared with raw single-entity inserts.")
        {
            alerts, fingerprints, concurrency, rounds,
        };
        storm.SetAction(async (parse, ct) =>
            await AlertStormBenchmark.RunAsync(parse.GetValue(alerts), parse.GetValue(fingerprints),
                parse.GetValue(concurrency), parse.GetValue(rounds), Console.Out, ct));

        var orders = new Option<int>("--orders")
        {
            Description = "Orders to seed and export.",
            DefaultValueFactory = _ => 1_000_000,
        };
        var small = new Option<int>("--small")
        {
            Description = "Orders in the small run the memory peak is compared with.",
            DefaultValueFactory = _ => 100_000,
        };
        var days = new Option<double>("--days")
        {
            Description = "Days the seeded orders span.",
            DefaultValueFactory = _ => 7,
        };
        var seed = new Option<bool>("--seed")
        {
            Description = "Seed the orders first (false: reuse the ones under --prefix).",
            DefaultValueFactory = _ => true,
        };
        var prefix = new Option<string>("--prefix")
        {
            Description = "Storage prefix of the benchmark tables.",
            DefaultValueFactory = _ => "benchexport",
        };
        var export = new Command("export",
            "Impact export of seeded orders vs a raw read of the same partitions; peak memory small vs full.")
        {
            orders, small, days, seed, prefix,
        };
        export.SetAction(async (parse, ct) =>
            await ExportBenchmark.RunAsync(parse.GetValue(orders), parse.GetValue(small), parse.GetValue(days),
            parse.GetValue(seed), parse.GetValue(prefix)!, Console.Out, ct));

        var incidents = new Option<int>("--incidents")
        {
            Description = "Incidents in the table.",
            DefaultValueFactory = _ => 10_000,
        };
        var calls = new Option<int>("--calls")
        {
            Description = "Calls of each kind measured (alternating).",
            DefaultValueFactory = _ => 30,
        };
        var console = new Command("console",
            "The console's first list page vs the JSON list call, with N incidents in the table.")
        {
            incidents, calls,
        };
        console.SetAction(async (parse, ct) =>
            await ConsoleBenchmark.RunAsync(parse.GetValue(incidents), parse.GetValue(calls), ct, Console.Out));

        var histories = new Option<int[]>("--history")
        {
            Description = "Orders of history (one run per size).",
            DefaultValueFactory = _ => [100_000, 1_000_000],
            AllowMultipleArgumentsPerToken = true,
        };
        var newOrders = new Option<int>("--new")
        {
            Description = "New orders after the guard's checkpoint.",
            DefaultValueFactory = _ => 10_000,
        };
        var newMinutes = new Option<int>("--minutes")
        {
            Description = "Minutes the new orders span (the guard runs once a simulated minute).",
            DefaultValueFactory = _ => 10,
        };
        var guardSeed = new Option<bool>("--seed")
        {
            Description = "Seed the history when it is not there yet (false: never seed).",
            DefaultValueFactory = _ => true,
        };
        var guardPrefix = new Option<string>("--prefix")
        {
            Description = "Storage prefix of the benchmark tables (the history size is appended).",
            DefaultValueFactory = _ => "benchpg",
        };
        var priceGuard = new Command("price-guard", "Price guard over history + new orders vs a raw read of the same partitions; detection delay.")
        {
            histories, newOrders, newMinutes, guardSeed, guardPrefix,
        };
        priceGuard.SetAction(async (parse, ct) =>
            await PriceGuardBenchmark.RunAsync(parse.GetValue(histories)!, parse.GetValue(newOrders),
            parse.GetValue(newMinutes),
            parse.GetValue(guardSeed), parse.GetValue(guardPrefix)!, Console.Out, ct));

        var idIncidents = new Option<int>("--incidents")
        {
            Description = "Incidents to open in one day (two alerts each).",
            DefaultValueFactory = _ => 5_000,
        };
        var idSuffixes = new Option<int>("--suffixes")
        {
            Description = "Suffixes the narrow id source draws from (forces collisions).",
            DefaultValueFactory = _ => 10_000,
        };
        var idConcurrency = new Option<int>("--concurrency")
        {
            Description = "Requests in flight.",
            DefaultValueFactory = _ => 16,
        };
        var ids = new Command("ids",
            "Incidents opened per second with the real id source vs a narrow one that collides; counts misfiled alerts.")
        {
            idIncidents, idSuffixes, idConcurrency,
        };
        ids.SetAction(async (parse, ct) =>
            await IncidentIdBenchmark.RunAsync(parse.GetValue(idIncidents), parse.GetValue(idSuffixes),
            parse.GetValue(idConcurrency), Console.Out, ct));

        var stormIncidents = new Option<int>("--incidents")
        {
            Description = "Incidents the storm opens.",
            DefaultValueFactory = _ => 200,
        };
        var perIncident = new Option<int>("--alerts-per-incident")
        {
            Description = "Alerts into each storm incident.",
            DefaultValueFactory = _ => 30,
        };
        var probes = new Option<int>("--probes")
        {
            Description = "Probe incidents (Sev1/Sev2 alternately) idle and again during the storm.",
            DefaultValueFactory = _ => 20,
        };
        var interval = new Option<int>("--interval-ms")
        {
            Description = "Milliseconds between probes.",
            DefaultValueFactory = _ => 500,
        };
        var notifyConcurrency = new Option<int>("--concurrency")
        {
            Description = "Storm requests in flight.",
            DefaultValueFactory = _ => 16,
        };
        var each = new Option<bool>("--each") { Description = "Also print every probe's time." };
        var notify = new Command("notify", "Alert to first Teams notice for new incidents, idle and while a storm is announced; Teams requests per channel against the limits.")
        {
            stormIncidents, perIncident, probes, interval, notifyConcurrency, each,
        };
        notify.SetAction(async (parse, ct) =>
            await NotifyBenchmark.RunAsync(parse.GetValue(stormIncidents), parse.GetValue(perIncident),
            parse.GetValue(probes),
            parse.GetValue(interval), parse.GetValue(notifyConcurrency), parse.GetValue(each), Console.Out, ct));

        return new Command("bench", "Benchmarks (run against Azurite; see README).")
        {
            storm, notify, export, priceGuard, console, ids,
        };
    }
}
