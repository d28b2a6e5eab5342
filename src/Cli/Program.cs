using System.CommandLine;
using AutoResponder.Cli.Bench;
using AutoResponder.Cli.Drill;
using AutoResponder.Cli.Graph;
using AutoResponder.Cli.OnCall;
using AutoResponder.Cli.Seed;
using AutoResponder.Cli.Serve;
using AutoResponder.Cli.Tokens;

var urls = new Option<string>("--urls")
{
    Description = "Where to listen.",
    DefaultValueFactory = _ => StandaloneHost.DefaultUrls,
};
var serve = new Command("serve",
    "Run the standalone host (same routes and background handlers as the Function app) over Azure Storage / Azurite.")
{
    urls,
};
serve.SetAction(async (parse, ct) =>
{
    var app = StandaloneHost.Build([], parse.GetValue(urls)!);
    await StandaloneHost.WarmUpAsync(app, ct); // before it listens
    // Taken before it runs: RunAsync disposes the host's services when it returns.
    var fault = app.Services.GetRequiredService<AutoResponder.Health.HostFault>();
    await app.RunAsync(ct);
    // A process that landed in a state it cannot leave stops itself: exit non-zero so the supervisor starts a fresh
    // one.
    return fault.Reason is null ? 0 : StandaloneHost.FaultedExitCode;
});

var root = new RootCommand("AutoResponder: incident automation for e-commerce teams.")
{
    serve, BenchCommands.Create(), GraphCommands.Create(), SeedCommands.Create(), DrillCommands.Create(),
    TokenCommands.Create(), OnCallCommands.Create(),
};
return await root.Parse(args).InvokeAsync();
