using System.CommandLine;

namespace AutoResponder.Cli.Drill;

/// <summary>`autoresponder drill price-tampering`: the whole playbook, end to end, on a compressed clock.</summary>
internal static class DrillCommands
{
    public static Command Create()
    {
        var history = new Option<int>("--orders")
        {
            Description = "Orders of history to seed (one day).",
            DefaultValueFactory = _ => 2_000,
        };
        var perMinute = new Option<int>("--orders-per-minute")
        {
            Description = "Simulated orders per minute while checkout is open.",
            DefaultValueFactory = _ => 30,
        };
        var outbox = new Option<string>("--outbox")
        {
            Description = "Folder for the Graph requests (Teams posts, emails).",
            DefaultValueFactory = _ => Path.Combine(".outbox", "drill"),
        };
        var command = new Command("price-tampering",
            "Replay the price-tampering incident end to end against fresh storage (AzureWebJobsStorage, default " +
            "Azurite; its own prefix) and print a scorecard. Exit 0 only when every step happened.")
        {
            history, perMinute, outbox,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(history) < 1 || parse.GetValue(perMinute) < 4)
            {
                Console.Error.WriteLine("--orders must be positive and --orders-per-minute at least 4.");
                return 2;
            }
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            var drill = new PriceTamperingDrill(configuration, new DrillSpec
            {
                HistoryOrders = parse.GetValue(history),
                OrdersPerMinute = parse.GetValue(perMinute),
                OutboxFolder = parse.GetValue(outbox)!,
            }, Console.Out);
            var score = await drill.RunAsync(ct);
            PriceTamperingDrill.Print(score, Console.Out);
            return score.Passed ? 0 : 1;
        });
        return new Command("drill", "Practise the playbook.") { command };
    }
}
