using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;

namespace AutoResponder.StatusEmails;

public static class MailServices
{
    /// <summary>
    /// A stand-in <see cref="GraphServiceClient"/> until the shared Graph client (src/Shared/Graph) is merged:
    /// app-only (client secret) when AutoResponder:Mail has credentials, else a client whose transport writes
    /// each request to the mail outbox folder. Both go through Graph's middleware (429/503 retries).
    /// Registered with TryAdd, so the shared client wins when it is registered first.
    /// </summary>
    public static IServiceCollection AddFallbackGraphClient(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var mail = sp.GetRequiredService<IOptions<MailOptions>>().Value;
            if (mail.HasCredentials)
            {
                var credential = new ClientSecretCredential(mail.TenantId, mail.ClientId, mail.ClientSecret);
                return new GraphServiceClient(credential, ["https://graph.microsoft.com/.default"]);
            }
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger<FileOutboxGraphHandler>();
            var handler = new FileOutboxGraphHandler(Path.GetFullPath(mail.OutboxFolder), sp.GetRequiredService<TimeProvider>(), log);
            return new GraphServiceClient(GraphClientFactory.Create(finalHandler: handler), new AnonymousAuthenticationProvider());
        });
        return services;
    }
}
