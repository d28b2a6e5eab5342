using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.StatusEmails;

internal static class StatusEmailsServices
{
    /// <summary>
    /// Manager status e-mails on a cadence per severity, and the final one at resolution (sent through the mail
    /// feature).
    /// </summary>
    public static IServiceCollection AddStatusEmails(this IServiceCollection services, IConfiguration configuration)
    {
        // Optional: a bad cadence is a finding and the status e-mails wait; it never stops start-up.
        services.AddIntegrationSettings<StatusEmailOptions, StatusEmailOptionsValidator>(configuration,
            StatusEmailOptions.Section, "Status e-mails",
            "status e-mails wait in the outbox (no attempts spent) and go out after the app restarts with the setting fixed");
        services.AddSingleton<StatusEmailSchedule>();
        services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<StatusEmailSchedule>());
        services.AddSingleton<IIncidentEffect, StatusEmailEffect>();
        services.AddSingleton<IncidentImpact>();
        services.AddOutbox(StatusEmailOutbox.All);
        services.AddSingleton<StormEmails>();
        services.AddSingleton<StatusEmailSweep>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<StatusEmailSweep>());
        return services;
    }
}
