using AutoResponder.Graph;
using AutoResponder.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.Teams;

public static class TeamsServices
{
    /// <summary>Teams updates via Graph: the effect that plans posts/replies and the outbox handlers that make them.</summary>
    public static IServiceCollection AddTeams(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGraph(configuration);
        services.AddOptions<TeamsOptions>().Bind(configuration.GetSection(TeamsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TeamsOptions>, TeamsOptionsValidator>();
        services.AddSingleton<TeamsRouting>();
        services.AddSingleton<TeamsMessageRenderer>();
        services.AddSingleton<TeamsPublisher>();
        services.AddSingleton<TeamsRateLimiter>();
        services.AddSingleton<TeamsDigest>();
        services.AddSingleton<IIncidentEffect, TeamsEffect>();
        services.AddSingleton<IOutboxHandler, TeamsRootPostHandler>();
        services.AddSingleton(new FirstNoticeKind(TeamsKeys.PostKind)); // its own queue, ahead of follow-ups
        services.AddSingleton<IOutboxHandler, TeamsReplyHandler>();
        return services;
    }
}
