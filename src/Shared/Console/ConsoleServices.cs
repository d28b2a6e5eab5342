using AutoResponder.Access;
using AutoResponder.Links;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

// The folder is Console; the namespace is WebConsole so that `Console.WriteLine` keeps meaning System.Console
// everywhere under the AutoResponder namespace.
internal static class ConsoleServices
{
    /// <summary>
    /// The web console: sign-in sessions, pages, forms and assets that both hosts map (see
    /// <see cref="ConsoleRoutes"/>).
    /// </summary>
    public static IServiceCollection AddConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<IStorageInitializer>(sp => sp.GetRequiredService<ConsoleSessions>());
        services.AddSingleton<ConsoleSessionSweep>();
        services.AddSingleton<AutoResponder.Hosting.IScheduledJob>(sp => sp.GetRequiredService<ConsoleSessionSweep>());
        // After the bearer sources (AddAccess): the API accepts the session cookie for reads (the export download).
        services.AddSingleton<ICallerSource, ConsoleSessionSource>();
        services.AddSingleton<ConsoleAssets>();
        services.AddSingleton<ConsoleLinks>();
        services.AddSingleton<ConsoleAccess>();
        services.AddSingleton<ConsoleData>();
        services.AddSingleton<EntraSignIn>();
        services.AddSingleton<ConsoleEndpoint>();
        return services;
    }
}
