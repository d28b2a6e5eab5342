using AutoResponder.Graph;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Teams;

internal static class TeamsServices
{
    /// <summary>
    /// Teams updates via Graph: the effect that plans posts/replies and the outbox handlers that make them.
    /// </summary>
    public static IServiceCollection AddTeams(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGraph(configuration);
        // Optional: a problem is a finding on /api/health and Teams actions wait; it never stops start-up.
        services.AddIntegrationSettings<TeamsOptions, TeamsOptionsValidator>(configuration, TeamsOptions.Section,
            "Teams",
            "Teams posts and replies wait in the outbox (no attempts spent) and go out after the app restarts with " +
            "the setting fixed");
        services.AddSingleton<TeamsRouting>();
        services.AddSingleton<TeamsMessageRenderer>();
        services.AddSingleton<TeamsPublisher>();
        services.AddSingleton<TeamsRateLimiter>();
        services.AddSingleton<TeamsDigest>();
        services.AddSingleton<IIncidentEffect, TeamsEffect>();
        services.AddOutbox(TeamsOutbox.All);
        return services;
    }
}
