using AutoResponder.Composition;
using AutoResponder.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = FunctionsApplication.CreateBuilder(args);
// Storage holds the record: the one setting the app cannot start without. Anything optional (Graph, Teams, mail,
// Key Vault references, Entra, App Configuration) missing or broken is reported on /api/health instead.
if (StorageClients.ConfigurationProblem(builder.Configuration) is { } storageProblem)
{
    Console.Error.WriteLine($"AutoResponder cannot start: {storageProblem}");
    return 1;
}
builder.ConfigureFunctionsWebApplication();
// Worker telemetry (dependencies, requests, logs) to Application Insights; in Azure the connection string and
// APPLICATIONINSIGHTS_AUTHENTICATION_STRING (Entra ID, the app's managed identity) come from infra/app/api.bicep.
builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();
// The Application Insights SDK adds a filter rule that keeps only Warning and above from its logger provider; without
// removing it the worker's Information logs (outbox done, mail sent, start-up findings) never reach Application
// Insights. Levels then follow the Logging settings like every other provider.
builder.Services.Configure<LoggerFilterOptions>(options =>
{
    var sdkRule = options.Rules.FirstOrDefault(rule => rule.ProviderName == ApplicationInsightsLoggerProviderName);
    if (sdkRule is not null) options.Rules.Remove(sdkRule);
});
builder.Services.AddAutoResponder(builder.Configuration);
builder.Build().Run();
return 0;

internal static partial class Program
{
    private const string ApplicationInsightsLoggerProviderName =
        "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider";
}
