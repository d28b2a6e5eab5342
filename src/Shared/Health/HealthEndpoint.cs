using AutoResponder.Access;
using AutoResponder.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.Health;

/// <summary>
/// GET /api/health: 200 when healthy, 503 (and Retry-After) when not. Public for probes, which get the status only;
/// a signed-in person who may read (viewer and up) gets every check (storage account, Graph mode, backlog) and toFix.
/// </summary>
internal sealed class HealthEndpoint(HealthService health)
{
    public async Task<ApiResult> GetAsync(Caller caller, CancellationToken ct)
    {
        var report = await health.CheckAsync(ct);
        if (!caller.HasAny([Roles.Viewer])) report = report with { Checks = null, ToFix = null };
        if (report.Status == HealthReport.Healthy) return ApiResult.Ok(report);
        return new ApiResult(503, report).WithHeader("Retry-After", "60");
    }
}

internal static class HealthServices
{
    public static IServiceCollection AddHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>();
        services.AddSingleton<HealthService>();
        services.AddSingleton<HealthEndpoint>();
        return services;
    }
}
