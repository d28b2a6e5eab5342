using AutoResponder.Storage;
using System.Net;
using AutoResponder.Hosting;
using AutoResponder.Http;
using AutoResponder.Http.OpenApi;
using AutoResponder.Reminders;
using AutoResponder.Impact;
using AutoResponder.Switches;
using AutoResponder.Watch;
using AutoResponder.WebConsole;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.Cli.Serve;

/// <summary>
/// `autoresponder serve`: the Function app's routes, auth convention and background handlers on
/// ASP.NET Core over Azure Storage (Azurite by default). No business logic of its own: every route
/// calls the same Shared endpoint the Functions call.
/// </summary>
public static class StandaloneHost
{
    public const string DefaultUrls = "http://127.0.0.1:7071";

    public static WebApplication Build(string[] args, string urls, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        StorageClients.DefaultToDevelopmentStorage(builder.Configuration);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });

        builder.Services.AddAutoResponder(builder.Configuration);
        builder.Services.Configure<ConsoleOptions>(o => o.TrustLoopback = true); // the console, until it has sign-in
        builder.Services.AddHostedService<OutboxQueuePump>();
        builder.Services.AddHostedService<ScheduledJobsService>();
        configureServices?.Invoke(builder.Services);

        var apiKey = builder.Configuration[$"{AutoResponderOptions.Section}:{nameof(AutoResponderOptions.ApiKey)}"];
        var (boundUrls, notice) = ChooseUrls(urls, hasKey: !string.IsNullOrEmpty(apiKey));
        builder.WebHost.UseUrls(boundUrls);
        var limits = ServeLimits.From(builder.Configuration); // a bad limit stops start-up, naming the setting
        builder.WebHost.ConfigureKestrel(limits.Apply);

        var app = builder.Build();
        app.Logger.LogInformation("{Notice}", notice);
        app.Use(async (context, next) =>
        {
            if (!string.IsNullOrEmpty(apiKey) && context.Request.Path.StartsWithSegments("/api") && !HasKey(context.Request, apiKey))
            {
                await Problems.Unauthorized().ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        MapRoutes(app);
        return app;
    }

    /// <summary>The same routes as src/Functions, one line each.</summary>
    private static void MapRoutes(WebApplication app)
    {
        app.MapPost("/api/alerts", (HttpRequest r, AlertsEndpoint e, CancellationToken ct) => e.PostAsync(r, ct));
        app.MapGet("/api/incidents", (HttpRequest r, IncidentsEndpoint e, CancellationToken ct) => e.ListAsync(r, ct));
        app.MapGet("/api/incidents/{id}", (string id, IncidentsEndpoint e, CancellationToken ct) => e.GetAsync(id, ct));
        app.MapGet("/api/incidents/{id}/timeline", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.TimelineAsync(r, id, ct));
        app.MapGet("/api/incidents/{id}/alerts", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.AlertsAsync(r, id, ct));
        app.MapGet("/api/incidents/{id}/actions", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.ActionsAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/acknowledge", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.AcknowledgeAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/status", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.StatusAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/mitigate", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.MitigateAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/resolve", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.ResolveAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/close", (HttpRequest r, string id, IncidentsEndpoint e, CancellationToken ct) => e.CloseAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/postmortem", (HttpRequest r, string id, RemindersEndpoint e, CancellationToken ct) => e.PostmortemAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/reminders/{kind}", (HttpRequest r, string id, string kind, RemindersEndpoint e, CancellationToken ct) => e.RescheduleAsync(r, id, kind, ct));
        app.MapGet("/api/incidents/{id}/impact", (string id, ImpactEndpoint e, CancellationToken ct) => e.GetAsync(id, ct));
        app.MapPost("/api/incidents/{id}/impact/refresh", (HttpRequest r, string id, ImpactEndpoint e, CancellationToken ct) => e.RefreshAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/actions/retry", (HttpRequest r, string id, AutoResponder.Outbox.OutboxRetryEndpoint e, CancellationToken ct) => e.RetryAllAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/actions/{actionId}/retry", (HttpRequest r, string id, string actionId, AutoResponder.Outbox.OutboxRetryEndpoint e, CancellationToken ct) => e.RetryOneAsync(r, id, actionId, ct));
        app.MapGet("/api/health", (AutoResponder.Health.HealthEndpoint e, CancellationToken ct) => e.GetAsync(ct));
        app.MapGet("/api/switches", (HttpRequest r, SwitchesEndpoint e, CancellationToken ct) => e.ListAsync(r, ct));
        app.MapPost("/api/incidents/{id}/switches/{name}", (HttpRequest r, string id, string name, SwitchesEndpoint e, CancellationToken ct) => e.FlipAsync(r, id, name, ct));
        app.MapGet("/api/incidents/{id}/watch", (string id, WatchEndpoint e, CancellationToken ct) => e.GetAsync(id, ct));
        app.MapPost("/api/incidents/{id}/watch/handover", (HttpRequest r, string id, WatchEndpoint e, CancellationToken ct) => e.HandOverAsync(r, id, ct));
        app.MapPost("/api/incidents/{id}/watch/signoff", (HttpRequest r, string id, WatchEndpoint e, CancellationToken ct) => e.SignOffAsync(r, id, ct));
        app.MapGet("/api/openapi.json", () => OpenApiDocument.Serve());

        // The web console (src/Shared/Console): the same paths as src/Functions/Console.
        app.MapGet("/incidents", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) => e.ListAsync(r, ct));
        app.MapGet("/console/rows", (HttpRequest r, ConsoleEndpoint e, CancellationToken ct) => e.RowsAsync(r, ct));
        app.MapGet("/incidents/{id}", (HttpRequest r, string id, ConsoleEndpoint e, CancellationToken ct) => e.IncidentAsync(r, id, ct));
        app.MapPost("/incidents/{id}/{action}", (HttpRequest r, string id, string action, ConsoleEndpoint e, CancellationToken ct) => e.ActAsync(r, id, action, ct));
        app.MapGet("/console/assets/{name}", (string name, ConsoleEndpoint e) => e.Asset(name));
        app.MapGet("/", () => Results.Redirect(ConsoleRoutes.List));
    }

    private static bool HasKey(HttpRequest request, string apiKey)
    {
        var given = request.Headers["x-functions-key"].ToString();
        if (string.IsNullOrEmpty(given)) given = request.Query["code"].ToString();
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(apiKey));
    }

    /// <summary>Without an API key the host only listens on loopback, whatever was asked for.</summary>
    internal static (string Urls, string Notice) ChooseUrls(string urls, bool hasKey)
    {
        if (hasKey) return (urls, $"Listening on {urls}; /api requires the key (x-functions-key header or ?code=).");
        var loopback = urls.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(u =>
        {
            var uri = new Uri(u.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"));
            var isLoopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
            return isLoopback ? u : $"{uri.Scheme}://127.0.0.1:{uri.Port}";
        });
        var chosen = string.Join(';', loopback);
        return (chosen, $"No AutoResponder:ApiKey is set: listening on loopback only ({chosen}). Set AutoResponder__ApiKey to accept other hosts.");
    }
}
