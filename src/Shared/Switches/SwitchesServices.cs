using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AutoResponder.Switches;

internal static class SwitchesServices
{
    /// <summary>
    /// Stop-the-impact switches (docs/playbook.md): state, routes, call-outs, the nudge and the optional App
    /// Configuration mirror.
    /// </summary>
    public static IServiceCollection AddSwitches(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SwitchOptions>().Bind(configuration.GetSection(SwitchOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SwitchOptions>, SwitchOptionsValidator>();
        services.AddSingleton<SwitchStore>();
        services.AddSingleton<SwitchService>();
        services.AddSingleton<SwitchesEndpoint>();
        services.AddSingleton<IIncidentNotices, SwitchNotices>();
        services.AddSingleton<IIncidentEffect, SwitchEffect>();
        services.AddOutbox(SwitchOutbox.Callout);
        services.AddSingleton<SwitchNudgeJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<SwitchNudgeJob>());
        services.AddSingleton<IStorageInitializer, SwitchStorage>();

        var mirror = configuration.GetSection(SwitchOptions.Section).GetSection(nameof(SwitchOptions.AppConfiguration))
            .Get<AppConfigurationMirrorOptions>();
        services.AddSetupFindings(configuration);
        var mirrorProblems = mirror?.Problems() ?? [];
        services.AddSingleton<ISetupCheck>(new SetupCheck(() => mirrorProblems.Select(p =>
            new SetupFinding(AppConfigurationMirrorOptions.Area, SetupFinding.AppSetting(p.Split(' ', 2)[0]), p,
                AppConfigurationMirrorOptions.Effect))));
        if (mirrorProblems.Count > 0)
            services.AddOutbox(SwitchOutbox.Mirror,
                new NotConfiguredHandler(AppConfigurationMirrorOptions.Area, string.Join(" ", mirrorProblems)));
        else if (mirror?.Enabled == true)
        {
            services.TryAddSingleton<IFeatureFlagMirror>(_ => new AppConfigurationFeatureFlags(new HttpClient { Timeout = TimeSpan.FromSeconds(30) },
                new Azure.Identity.DefaultAzureCredential(new Azure.Identity.DefaultAzureCredentialOptions { ManagedIdentityClientId = mirror.ClientId }), mirror));
            services.AddOutbox(SwitchOutbox.Mirror);
        }
        return services;
    }

    private sealed class SwitchStorage(SwitchStore store) : IStorageInitializer
    {
        public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
            => await store.Table.CreateIfNotExistsAsync(cancellationToken);
    }
}
