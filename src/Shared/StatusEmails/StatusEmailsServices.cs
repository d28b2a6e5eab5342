using AutoResponder.Graph;
using AutoResponder.Hosting;
using AutoResponder.Outbox;
using AutoResponder.Reminders;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

public static class StatusEmailsServices
{
    /// <summary>Mail (Graph sendMail), manager status emails, the ops export mail, and the RCA reminders.</summary>
    public static IServiceCollection AddStatusEmailsAndReminders(this IServiceCollection services, IConfiguration configuration)
    {
        // Optional: a problem is a finding on /api/health and mail waits; it never stops start-up.
        services.AddSetupFindings(configuration);
        services.AddOptions<MailOptions>().Bind(configuration.GetSection(MailOptions.Section));
        services.AddSingleton(sp => new IntegrationSettings<MailOptions>(MailOptions.Area, MailOptions.Effect, sp.GetRequiredService<IOptions<MailOptions>>(),
        [
            o => new MailOptionsValidator().Validate(null, o) is { Failed: true } r ? r.Failures ?? [] : [],
            o => MailOptions.SenderProblems(o, sp.GetRequiredService<IOptions<GraphOptions>>().Value, configuration),
        ]));
        services.AddSingleton<ISetupCheck>(sp => sp.GetRequiredService<IntegrationSettings<MailOptions>>());
        // Nobody to send status e-mails to is a finding only: other mail (ops exports, reminders) still goes out.
        services.AddSingleton<ISetupCheck>(sp => new IntegrationSettings<MailOptions>(MailOptions.Area,
            "status e-mails and RCA escalations wait in the outbox (no attempts spent) until the app restarts with a recipient set",
            sp.GetRequiredService<IOptions<MailOptions>>(), [o => MailOptions.RecipientProblems(o, configuration)]));
        services.TryAddSingleton<IMailSender>(sp => new GraphMailSender(
            sp.GetRequiredService<GraphClients>().AppOnly, // the shared Graph client: live, or the file outbox locally
            sp.GetRequiredService<IntegrationSettings<MailOptions>>(),
            sp.GetRequiredService<ILogger<GraphMailSender>>()));

        services.Replace(ServiceDescriptor.Singleton<ISignInAlarm, MailSignInAlarm>());

        // Optional too: a bad cadence is a finding and the status e-mails wait; it never stops start-up.
        services.AddIntegrationSettings<StatusEmailOptions, StatusEmailOptionsValidator>(configuration, StatusEmailOptions.Section, "Status e-mails",
            "status e-mails wait in the outbox (no attempts spent) and go out after the app restarts with the setting fixed");
        services.AddSingleton<StatusEmailSchedule>();
        services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<StatusEmailSchedule>());
        services.AddSingleton<IIncidentEffect, StatusEmailEffect>();
        services.AddSingleton<IncidentImpact>();
        services.AddSingleton<IOutboxHandler, StatusEmailHandler>();
        services.AddSingleton<IOutboxHandler, StatusEmailScheduleHandler>();
        services.AddSingleton<StormEmails>();
        services.AddSingleton<IOutboxHandler, StormEmailHandler>();
        services.AddSingleton<StatusEmailSweep>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<StatusEmailSweep>());

        services.TryAddSingleton<IExportBlobReader, StorageExportBlobReader>();
        services.AddSingleton<IOutboxHandler, OpsExportMailHandler>();

        return services.AddReminders(configuration);
    }
}
