using System.Net;
using AutoResponder.Access;
using AutoResponder.Composition;
using AutoResponder.Health;
using AutoResponder.Http;
using AutoResponder.Routes;
using AutoResponder.Storage;
using AutoResponder.WebConsole;
using Microsoft.AspNetCore.HostFiltering;

namespace AutoResponder.Cli.Serve;

/// <summary>
/// `autoresponder serve`: the Function app's routes, access rules and background handlers on
/// ASP.NET Core over Azure Storage (Azurite by default). No business logic of its own: every route
/// calls the same Shared endpoint the Functions call.
/// </summary>
internal static class StandaloneHost
{
    public const string DefaultUrls = "http://127.0.0.1:7071";

    public static WebApplication Build(string[] args, string urls, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        StorageClients.DefaultToDevelopmentStorage(builder.Configuration);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });

        builder.Services.AddAutoResponder(builder.Configuration);
        builder.Services.AddHostedService<OutboxQueuePump>();
        builder.Services.AddHostedService<ScheduledJobsService>();
        configureServices?.Invoke(builder.Services);

        var access = builder.Configuration.GetSection(AccessOptions.Section).Get<AccessOptions>()
            ?? new AccessOptions();
        var (boundUrls, notice) = ChooseUrls(urls, hasKey: !string.IsNullOrEmpty(access.IngestKey));
        builder.WebHost.UseUrls(boundUrls);
        // DNS-rebinding protection: answer only the configured host names (loopback by default), 400 otherwise. The
        // framework's host filtering (which WebApplication runs first) lets everything through; AllowedHostCheck, the
        // first middleware below, checks instead and says what to fix.
        builder.Services.Configure<HostFilteringOptions>(o => o.AllowedHosts = ["*"]);
        var limits = ServeLimits.From(builder.Configuration); // a bad limit stops start-up, naming the setting
        var files = FileBudget.RaiseToHardLimit();
        var connections = limits.Connections(files?.Now);
        builder.WebHost.ConfigureKestrel(kestrel => limits.Apply(kestrel, connections));
        builder.Services.AddSingleton(limits);

        var app = builder.Build();
        app.Logger.LogInformation("{Notice}", notice);
        app.Logger.LogInformation("Open files: {Files}; at most {Connections} connections at once",
            files is { } f ? $"soft limit {f.Before} raised to {f.Now} (hard limit {f.Hard}), {FileBudget.Reserve} " +
                $"kept for the host" : "no limit to read", connections);
        app.Use(new AllowedHostCheck(access.EffectiveAllowedHosts, app.Logger).InvokeAsync);
        app.Use(UnrecoverableFaults(app));
        app.Use(async (context, next) =>
        {
            // No platform authentication sits in front of this host: principal headers can only come from the client.
            foreach (var header in context.Request.Headers.Keys.Where(h =>
                h.StartsWith(PrincipalHeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
                context.Request.Headers.Remove(header);
            await next(context);
        });
        MapRoutes(app);
        return app;
    }

    /// <summary>
    /// How long a host that cannot recover keeps answering (503, and its reason on /api/health) before it stops.
    /// </summary>
    public static readonly TimeSpan FaultedStopDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A request that hits a failure this process cannot leave (<see cref="HostFault"/>) is answered 503 with
    /// Retry-After, the fault is recorded for /api/health, and the host stops a moment later; `serve` then exits
    /// non-zero (<see cref="FaultedExitCode"/>) so its supervisor starts a fresh process. Never 500 for ever.
    /// </summary>
    private static Func<HttpContext, RequestDelegate, Task> UnrecoverableFaults(WebApplication app)
    {
        var fault = app.Services.GetRequiredService<HostFault>();
        return async (context, next) =>
        {
            if (fault.Reason is { } known && !context.Request.Path.StartsWithSegments("/api/health"))
            {
                await Problems.Unavailable($"This process cannot recover and is restarting: {known}")
                    .ExecuteAsync(context);
                return;
            }
            try { await next(context); }
            catch (Exception e) when (HostFault.Unrecoverable(e) is not null && !context.Response.HasStarted)
            {
                if (fault.Record(e))
                {
                    app.Logger.LogCritical(e,
                        "Unrecoverable fault: {Reason}. Stopping so the supervisor starts a fresh process (exit code {Code}).", fault.Reason, FaultedExitCode);
                    _ = Task.Delay(FaultedStopDelay)
                        .ContinueWith(_ => app.Lifetime.StopApplication(), TaskScheduler.Default);
                }
                await Problems.Unavailable($"This process cannot recover and is restarting: {fault.Reason}")
                    .ExecuteAsync(context);
            }
        };
    }

    /// <summary>Exit code of `serve` after an unrecoverable fault (EX_SOFTWARE).</summary>
    public const int FaultedExitCode = 70;

    /// <summary>
    /// Loads, before the host listens, what its storage path needs: every assembly the app references (so none has to
    /// be opened from disk during a flood of connections that may have taken every file handle), and one round of the
    /// storage clients (tables and queues created, the health checks' reads). Storage that is down only delays this
    /// (bounded); the host starts anyway and says so on /api/health.
    /// </summary>
    public static async Task WarmUpAsync(WebApplication app, CancellationToken ct)
    {
        var loaded = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<System.Reflection.Assembly>(AppDomain.CurrentDomain.GetAssemblies());
        while (pending.TryPop(out var assembly))
            foreach (var name in assembly.GetReferencedAssemblies())
            {
                if (!seen.Add(name.FullName)) continue;
                try { pending.Push(System.Reflection.Assembly.Load(name)); loaded++; }
                // optional (e.g. Windows-only)
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { }
            }
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await app.Services.GetRequiredService<StorageSetup>().EnsureCreatedAsync(bounded.Token);
            await app.Services.GetRequiredService<HealthService>().CheckAsync(bounded.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            app.Logger.LogWarning("Storage warm-up did not finish ({Error}); starting anyway, see /api/health",
                e.Message);
        }
        app.Logger.LogInformation("Warmed up: {Assemblies} assemblies loaded, storage clients ready", loaded);
    }

    /// <summary>X-MS-CLIENT-PRINCIPAL, -NAME, -ID, -IDP: headers App Service sets, and a client can forge.</summary>
    public const string PrincipalHeaderPrefix = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>
    /// Every declared API route (<see cref="ApiRoutes.All"/>), each through the <see cref="AccessGate"/>; then the
    /// console's pages.
    /// </summary>
    private static void MapRoutes(WebApplication app)
    {
        foreach (var route in ApiRoutes.All)
            app.MapMethods(route.UrlPath, [route.Method], (HttpRequest r) => RouteRunner.RunAsync(route, r,
                route.PathParameters.ToDictionary(p => p, p => r.RouteValues[p]?.ToString() ?? ""),
                r.HttpContext.RequestServices, r.HttpContext.RequestAborted));

        // The web console (src/Shared/Console): the same paths as src/Functions/Console.
        app.MapGet("/incidents", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) => e.ListAsync(r, ct));
        app.MapGet("/action-items", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) =>
            e.MyActionItemsAsync(r, ct));
        app.MapGet("/console/rows", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) => e.RowsAsync(r, ct));
        app.MapGet("/oncall", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) => e.OnCallAsync(r, ct));
        app.MapGet("/incidents/{id}", (HttpRequest r, string id, ConsoleEndpoint e, CancellationToken ct) =>
            e.IncidentAsync(r, id, ct));
        app.MapPost("/incidents/{id}/{action}",
            (HttpRequest r, string id, string action, ConsoleEndpoint e, CancellationToken ct)
            => e.ActAsync(r, id, action, ct));
        app.MapGet("/console/assets/{name}", (string name, ConsoleEndpoint e) => e.Asset(name));
        app.MapGet("/sign-in", (HttpRequest r, ConsoleEndpoint e) => e.SignInPage(r));
        app.MapPost("/sign-in", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) => e.SignInAsync(r, ct));
        app.MapGet("/sign-in/entra", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) =>
            e.SignInWithEntraAsync(r, ct));
        // Entra ID's form post back: exempt from the console's session and anti-forgery checks (see the endpoint).
        app.MapPost("/sign-in/entra", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) =>
            e.SignInWithEntraCallbackAsync(r, ct));
        app.MapPost("/sign-out", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) => e.SignOutAsync(r, ct));
        app.MapGet("/", () => Results.Redirect(ConsoleRoutes.List));
    }

    /// <summary>Without an ingest key the host only listens on loopback, whatever was asked for.</summary>
    internal static (string Urls, string Notice) ChooseUrls(string urls, bool hasKey)
    {
        if (hasKey) return (urls,
            $"Listening on {urls}; POST /api/alerts requires the ingest key (x-functions-key header or ?code=), " +
            $"people sign in with Authorization: Bearer.");
        var loopback = urls.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(u =>
        {
            var uri = new Uri(u.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"));
            var isLoopback = uri.IsLoopback
                || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
            return isLoopback ? u : $"{uri.Scheme}://127.0.0.1:{uri.Port}";
        });
        var chosen = string.Join(';', loopback);
        return (chosen, $"No AutoResponder:Access:IngestKey is set: listening on loopback only ({chosen}). Set " +
            $"AutoResponder__Access__IngestKey to accept other hosts.");
    }
}
