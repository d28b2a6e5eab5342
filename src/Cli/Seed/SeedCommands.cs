using System.CommandLine;
using System.Globalization;
using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Impact.Seeding;
using AutoResponder.Storage;

namespace AutoResponder.Cli.Seed;

/// <summary>
/// `autoresponder seed orders`: a realistic order store (with an optional injected incident) for demos, tests and
/// benchmarks.
/// </summary>
internal static class SeedCommands
{
    public static Command Create()
    {
        var orders = new Option<int>("--orders")
        {
            Description = "Orders to generate.",
            DefaultValueFactory = _ => 10_000,
        };
        var days = new Option<double>("--days")
        {
            Description = "Days of history, ending at --end.",
            DefaultValueFactory = _ => 7,
        };
        var end = new Option<DateTimeOffset?>("--end") { Description = "Newest order time (ISO 8601, default now)." };
        var skus = new Option<int>("--skus") { Description = "Catalog size.", DefaultValueFactory = _ => 200 };
        var customers = new Option<int>("--customers")
        {
            Description = "Distinct customers.",
            DefaultValueFactory = _ => 20_000,
        };
        var incident = new Option<SeedIncident>("--incident")
        {
            Description = "Inject an incident: None, PriceTampering or StuckPayments.",
            DefaultValueFactory = _ => SeedIncident.None,
        };
        var incidentStart = new Option<DateTimeOffset?>("--incident-start")
        {
            Description = "Start of the injected incident (default: two hours before --end).",
        };
        var incidentMinutes = new Option<int>("--incident-minutes")
        {
            Description = "Length of the injected incident.",
            DefaultValueFactory = _ => 60,
        };
        var incidentRate = new Option<double>("--incident-rate")
        {
            Description = "Share of orders inside the incident window it affects (0..1).",
            DefaultValueFactory = _ => 0.3,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Random seed (same seed, same store).",
            DefaultValueFactory = _ => 42,
        };
        var parallelism = new Option<int>("--parallelism")
        {
            Description = "Batches (100 rows of one partition) in flight.",
            DefaultValueFactory = _ => 8,
        };

        var command = new Command("orders", "Seed the Orders and Catalog tables (AzureWebJobsStorage, default Azurite; prefix AutoResponder__StoragePrefix).")
        {
            orders, days, end, skus, customers, incident, incidentStart, incidentMinutes, incidentRate, seed,
            parallelism,
        };
        command.SetAction(async (parse, ct) =>
        {
            var spec = new OrderSeedSpec
            {
                Orders = parse.GetValue(orders),
                Days = parse.GetValue(days),
                End = parse.GetValue(end) ?? DateTimeOffset.UtcNow,
                Skus = parse.GetValue(skus),
                Customers = parse.GetValue(customers),
                Incident = parse.GetValue(incident),
                IncidentStart = parse.GetValue(incidentStart),
                IncidentMinutes = parse.GetValue(incidentMinutes),
                IncidentRate = parse.GetValue(incidentRate),
                RandomSeed = parse.GetValue(seed),
                Parallelism = parse.GetValue(parallelism),
            };
            if (spec.Orders < 1 || spec.Days <= 0 || spec.Skus < 1 || spec.Customers < 1
                || spec.IncidentRate is < 0 or > 1 || spec.Parallelism < 1)
            {
                Console.Error.WriteLine("--orders, --days, --skus, --customers and --parallelism must be positive; " +
                    "--incident-rate between 0 and 1.");
                return 2;
            }
            var source = OpenTarget();
            return await SeedAsync(source, spec, Console.Out, ct);
        });
        return new Command("seed", "Generate demo data.") { command };
    }

    /// <summary>
    /// The Orders/Catalog tables named by the environment (AzureWebJobsStorage, AutoResponder__StoragePrefix,
    /// AutoResponder__Impact__*).
    /// </summary>
    public static TableOrderSource OpenTarget()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        var storage = StorageClients.FromConfiguration(configuration);
        var options = configuration.GetSection(ImpactOptions.Section).Get<ImpactOptions>() ?? new ImpactOptions();
        return ImpactServices.CreateTableOrderSource(storage, options);
    }

    public static async Task<int> SeedAsync(TableOrderSource target, OrderSeedSpec spec, TextWriter output,
        CancellationToken ct)
    {
        output.WriteLine($"Seeding {spec.Orders:N0} orders over {spec.Days} days ({spec.Start:yyyy-MM-dd HH:mm} – " +
            $"{spec.End:yyyy-MM-dd HH:mm} UTC) " +
                         $"into {target.Orders.Name}, catalog of {spec.Skus} SKUs into {target.Catalog.Name} at " +
                         $"{target.Orders.Uri.GetLeftPart(UriPartial.Authority)}");
        if (spec.Incident != SeedIncident.None)
            output.WriteLine($"Injected incident: {spec.Incident} from {spec.IncidentFrom:O} for " +
                $"{spec.IncidentMinutes} min, rate {spec.IncidentRate:P0}");
        var lastReport = DateTime.UtcNow;
        var started = DateTime.UtcNow;
        var gate = new object();
        var result = await OrderSeeder.SeedAsync(target, spec, written =>
        {
            lock (gate)
            {
                if ((DateTime.UtcNow - lastReport).TotalSeconds < 2) return;
                lastReport = DateTime.UtcNow;
                var rate = written / Math.Max(0.001, (lastReport - started).TotalSeconds);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {written:N0} / {spec.Orders:N0} orders ({100.0 * written / spec.Orders:F0} %), {rate:N0}/s"));
            }
        }, ct);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Done: {result.Orders:N0} orders, {result.CatalogItems} catalog items, {result.Affected:N0} affected by " +
            $"the injected incident, in {result.Elapsed.TotalSeconds:F1} s ({result.OrdersPerSecond:N0} orders/s)."));
        if (result.IncidentAlert is { } w)
        {
            // The README tour's alert starts two hours before now, i.e. with the injected incident (default start): its
            // impact window (from 15 minutes before the alert) holds every affected order while it starts no later than
            // the incident.
            var (affected, measure) = spec.Incident == SeedIncident.PriceTampering
                ? ("tampered (paid below catalog beyond the 0.5 % tolerance)", "underpaid")
                : ("stuck in payment_pending", "amount stuck");
            var money = w.MoneyAtRisk.Count == 0
                ? "none" : string.Join(", ",
                w.MoneyAtRisk.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:N2}")));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"An alert starting with the incident ({spec.IncidentFrom:HH:mm} UTC) reads orders from " +
                $"{w.From:HH:mm} UTC: {w.Orders:N0} orders, {w.Affected:N0} of them {affected}; " +
                $"{measure}: {money}. The README tour's alert (startsAt two hours ago) selects all {w.Affected:N0} " +
                $"when posted by {spec.IncidentFrom.AddMinutes(135):HH:mm} UTC."));
        }
        return 0;
    }
}
