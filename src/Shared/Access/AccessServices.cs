using AutoResponder.Hosting;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AutoResponder.Access;

internal static class AccessServices
{
    /// <summary>
    /// Who may call the API: the ingest key, personal access tokens, Entra ID tokens, the route table's roles.
    /// </summary>
    public static IServiceCollection AddAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccessOptions>, AccessOptionsValidator>();
        services.AddSetupFindings(configuration);
        services.AddSingleton<ISetupCheck>(sp =>
            new SetupCheck(() => sp.GetRequiredService<IOptions<AccessOptions>>().Value.Entra.Problems()
            .Select(p => new SetupFinding(EntraOptions.Area, SetupFinding.AppSetting(p.Split(' ', 2)[0]), p,
                EntraOptions.Effect))));
        services.AddSingleton<PersonalAccessTokens>();
        services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<PersonalAccessTokens>());
        services.AddSingleton<ICallerSource, PersonalAccessTokenSource>();
        services.AddSingleton<IConfigurationManager<OpenIdConnectConfiguration>>(sp =>
            EntraTokenSource.TenantMetadata(sp.GetRequiredService<IOptions<AccessOptions>>().Value.Entra));
        services.AddSingleton<ICallerSource, EntraTokenSource>();
        services.AddSingleton<CallerResolver>();
        services.AddSingleton<AccessGate>();
        return services;
    }
}
