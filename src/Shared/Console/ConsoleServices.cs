using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.WebConsole;

// The folder is Console; the namespace is WebConsole so that `Console.WriteLine` keeps meaning System.Console
// everywhere under the AutoResponder namespace.
public static class ConsoleServices
{
    /// <summary>The web console: pages, forms and assets that both hosts map (see <see cref="ConsoleRoutes"/>).</summary>
    public static IServiceCollection AddConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ConsoleAssets>();
        services.AddSingleton<ConsoleLinks>();
        services.AddSingleton<ConsoleAccess>();
        services.AddSingleton<ConsoleData>();
        services.AddSingleton<ConsoleEndpoint>();
        return services;
    }
}
