using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using AutoResponder.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
// Worker telemetry (dependencies, requests, logs) to Application Insights; in Azure the connection string and
// APPLICATIONINSIGHTS_AUTHENTICATION_STRING (Entra ID, the app's managed identity) come from infra/app/api.bicep.
builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();
builder.Services.AddAutoResponder(builder.Configuration);
builder.Build().Run();
