using AutoResponder.Graph;
using AutoResponder.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Mail;

internal static class MailServices
{
    /// <summary>
    /// Mail transport (Graph sendMail through the shared Graph client), its settings and the sign-in alarm. The
    /// features that send mail (status e-mails, the ops export, reminders, paging, action items) use
    /// <see cref="IMailSender"/>.
    /// </summary>
    public static IServiceCollection AddMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGraph(configuration);
        // Optional: a problem is a finding on /api/health and mail waits; it never stops start-up.
        services.AddSetupFindings(configuration);
        services.AddOptions<MailOptions>().Bind(configuration.GetSection(MailOptions.Section));
        services.AddSingleton(sp =>
            new IntegrationSettings<MailOptions>(MailOptions.Area, MailOptions.Effect,
            sp.GetRequiredService<IOptions<MailOptions>>(),
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
        return services;
    }
}
