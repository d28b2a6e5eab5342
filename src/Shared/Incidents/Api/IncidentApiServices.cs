using AutoResponder.Incidents.Actions;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Incidents.Api;

internal static class IncidentApiServices
{
    /// <summary>
    /// The incident API's readers: the paged list, the paged sub-resources and the one storage → JSON mapper.
    /// </summary>
    public static IServiceCollection AddIncidentApi(this IServiceCollection services)
    {
        services.AddSingleton<IncidentResources>();
        services.AddSingleton<IIncidentResourceReader>(sp => sp.GetRequiredService<IncidentResources>());
        services.AddSingleton<IncidentListQuery>();
        services.AddSingleton<IncidentPages>();
        return services;
    }
}
