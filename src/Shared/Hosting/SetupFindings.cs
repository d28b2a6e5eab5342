using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Hosting;

/// <summary>
/// One thing a person should fix in the settings. The app runs without it: an optional integration (Graph, Teams,
/// mail, App Configuration, Key Vault references, Entra sign-in) missing or broken never stops start-up or intake;
/// what it owes waits until the setting is fixed. Shown on <c>GET /api/health</c>, in the console and in the log.
/// </summary>
/// <param name="Area">The integration: "Graph", "Teams", "Mail", "Key Vault", "Entra sign-in", …</param>
/// <param name="Setting">The app setting to fix, as it is spelled in the app settings
/// (AutoResponder__Graph__TenantId).</param>
/// <param name="Problem">What is wrong, naming the setting.</param>
/// <param name="Effect">What waits (or is off) until it is fixed.</param>
public sealed record SetupFinding(string Area, string Setting, string Problem, string Effect)
{
    /// <summary>
    /// "AutoResponder:Graph:TenantId" → "AutoResponder__Graph__TenantId": how App Service and the environment spell it.
    /// </summary>
    public static string AppSetting(string configurationKey)
        => configurationKey.Replace(":", "__", StringComparison.Ordinal);
}

/// <summary>A source of <see cref="SetupFinding"/>s (each optional integration registers one).</summary>
public interface ISetupCheck
{
    IEnumerable<SetupFinding> Findings();
}

/// <summary>A check written as a function (a feature's few rules).</summary>
internal sealed class SetupCheck(Func<IEnumerable<SetupFinding>> findings) : ISetupCheck
{
    public IEnumerable<SetupFinding> Findings() => findings();
}

/// <summary>
/// Every finding of every check. Settings do not change while the process runs, so they are read once.
/// </summary>
public sealed class SetupFindings(IEnumerable<ISetupCheck> checks)
{
    private readonly Lazy<IReadOnlyList<SetupFinding>> _all =
        new(() => checks.SelectMany(c => c.Findings()).Distinct().ToList());

    public IReadOnlyList<SetupFinding> All => _all.Value;
}

/// <summary>
/// An outbox action (or any call) that needs an integration this deployment has not configured, or configured so
/// that it cannot work: it waits without spending attempts and is tried again after a restart with the setting fixed.
/// </summary>
public sealed class NotConfiguredException(string area, string message) : Exception(message)
{
    public string Area { get; } = area;

    /// <summary>The first <see cref="NotConfiguredException"/> in the error or its inner errors.</summary>
    public static NotConfiguredException? In(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is NotConfiguredException found) return found;
            if (e is AggregateException all) return all.InnerExceptions.Select(In).FirstOrDefault(x => x is not null);
        }
        return null;
    }
}

/// <summary>
/// The settings of an optional integration, checked by its validator without stopping start-up: a failure becomes a
/// finding and <see cref="Ready"/> is false, so the integration's work waits (<see cref="ThrowIfNotReady"/>).
/// </summary>
public sealed class IntegrationSettings<T> : ISetupCheck where T : class
{
    private readonly Lazy<IReadOnlyList<string>> _problems;

    public IntegrationSettings(string area, string effect, IOptions<T> options,
        IEnumerable<Func<T, IEnumerable<string>>> checks)
    {
        Area = area;
        Effect = effect;
        Options = options;
        _problems = new(() => checks.SelectMany(check => check(options.Value)).Distinct().ToList());
    }

    public string Area { get; }
    public string Effect { get; }
    public IOptions<T> Options { get; }
    public T Value => Options.Value;
    public IReadOnlyList<string> Problems => _problems.Value;
    public bool Ready => Problems.Count == 0;

    public void ThrowIfNotReady()
    {
        if (!Ready) throw new NotConfiguredException(Area, $"{Area} is not configured: {string.Join(" ", Problems)}");
    }

    public IEnumerable<SetupFinding> Findings()
        => Problems.Select(p => new SetupFinding(Area, SettingIn(p), p, Effect));

    /// <summary>Validators start each message with the setting ("AutoResponder:Teams:TeamId is required …").</summary>
    private static string SettingIn(string problem)
    {
        var first = problem.Split(' ', 2)[0].TrimEnd('.', ',', ':');
        return first.Contains(':') ? SetupFinding.AppSetting(first) : "";
    }
}

internal static class SetupServices
{
    /// <summary>
    /// Binds <typeparamref name="T"/> like any options, but its validator's failures become <see cref="SetupFinding"/>s
    /// of <paramref name="area"/> instead of stopping start-up. Read it as <see cref="IntegrationSettings{T}"/>.
    /// </summary>
    public static IServiceCollection AddIntegrationSettings<T, TValidator>(this IServiceCollection services,
        IConfiguration configuration,
        string section, string area, string effect)
        where T : class
        where TValidator : class, IValidateOptions<T>
    {
        services.AddSetupFindings(configuration);
        services.AddOptions<T>().Bind(configuration.GetSection(section));
        services.AddSingleton<TValidator>();
        services.AddSingleton(sp =>
        {
            var validator = sp.GetRequiredService<TValidator>();
            return new IntegrationSettings<T>(area, effect, sp.GetRequiredService<IOptions<T>>(),
                [o => validator.Validate(Microsoft.Extensions.Options.Options.DefaultName, o) is { Failed: true } r
                    ? r.Failures ?? [] : []]);
        });
        services.AddSingleton<ISetupCheck>(sp => sp.GetRequiredService<IntegrationSettings<T>>());
        return services;
    }

    /// <summary>
    /// The findings, the Key Vault reference check, and a start-up log line per finding. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddSetupFindings(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(SetupFindings))) return services;
        services.AddSingleton<SetupFindings>();
        services.AddSingleton<ISetupCheck>(new KeyVaultReferences(configuration));
        services.AddHostedService<SetupLog>();
        return services;
    }

    /// <summary>
    /// Logs each finding once at start (warnings reach Application Insights), so a deploy's log says what to fix.
    /// </summary>
    private sealed class SetupLog(SetupFindings findings, ILogger<SetupFindings> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var f in findings.All)
                log.LogWarning("Not configured — {Area}: {Problem} Until fixed: {Effect}", f.Area, f.Problem, f.Effect);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// App Service passes a Key Vault reference it could not resolve (no role yet, a wrong URI, a deleted secret) as its
/// literal text, "@Microsoft.KeyVault(SecretUri=…)", and refetches it only after up to 24 h or a restart. Such a
/// value is never a usable setting: each is named here, and the integration that reads it treats it as unset.
/// </summary>
internal sealed class KeyVaultReferences(IConfiguration configuration) : ISetupCheck
{
    public const string Prefix = "@Microsoft.KeyVault(";

    public static bool IsUnresolved(string? value)
        => value?.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) == true;

    public IEnumerable<SetupFinding> Findings() =>
        configuration.AsEnumerable()
            .Where(setting => IsUnresolved(setting.Value))
            .Select(setting => SetupFinding.AppSetting(setting.Key))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)
            .Select(setting => new SetupFinding("Key Vault", setting,
                $"{setting} is a Key Vault reference that did not resolve (App Service passed its text, not the " +
                $"secret): check that the app's identity " +
                "holds 'Key Vault Secrets User' on the vault and that the secret exists, then restart the app (or " +
                "wait for App Service to refetch it).",
                "the integration that reads it runs as if it were unset"));
}
