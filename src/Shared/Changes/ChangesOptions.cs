using Microsoft.Extensions.Options;

namespace AutoResponder.Changes;

/// <summary>
/// Settings under "AutoResponder:Changes". Validated at start-up: a wrong mapping would file deploys under the wrong
/// service, so a bad deploy stops rather than misfiles.
/// </summary>
public sealed class ChangesOptions
{
    public const string Section = "AutoResponder:Changes";

    /// <summary>
    /// The webhook secret configured on the GitHub webhook. When set, every GitHub delivery must carry a valid
    /// X-Hub-Signature-256; unsigned or wrongly signed deliveries are refused (401) and nothing is stored.
    /// </summary>
    public string? GitHubSecret { get; set; }

    /// <summary>How many hours before an incident's first alert its suspect changes reach back (default 24).</summary>
    public int LookbackHours { get; set; } = 24;

    /// <summary>
    /// Per service (the key, as alerts name it): the GitHub repositories (owner/name) and Azure DevOps pipelines
    /// (pipeline or release definition names) whose changes are that service's, and the services it depends on, each
    /// comma-separated. e.g. AutoResponder__Changes__Services__checkout__Repositories=shop/checkout.
    /// </summary>
    public Dictionary<string, ChangeServiceOptions> Services { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class ChangeServiceOptions
{
    public string? Repositories { get; set; }
    public string? Pipelines { get; set; }
    /// <summary>Services whose changes are suspects for this service's incidents too.</summary>
    public string? DependsOn { get; set; }

    public static IReadOnlyList<string> Split(string? list) =>
        (list ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

internal sealed class ChangesOptionsValidator : IValidateOptions<ChangesOptions>
{
    public ValidateOptionsResult Validate(string? name, ChangesOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{ChangesOptions.Section}:{setting} {message}"); }
        Check(o.LookbackHours is >= 1 and <= 24 * 14, nameof(o.LookbackHours),
            $"must be between 1 and 336 (is {o.LookbackHours}).");
        var repositories = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var pipelines = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (service, mapping) in o.Services)
        {
            var prefix = $"{nameof(o.Services)}:{service}";
            Check(ChangeRow.IsValidService(service), prefix,
                "names a service with characters a table key cannot hold (/ \\ # ? or control characters) or over " +
                "100 characters.");
            foreach (var repository in ChangeServiceOptions.Split(mapping.Repositories))
            {
                Check(repository.Count(c => c == '/') == 1 && !repository.StartsWith('/') && !repository.EndsWith('/'),
                    $"{prefix}:Repositories",
                    $"must list repositories as owner/name ('{repository}' is not).");
                Check(repositories.TryAdd(repository, service)
                    || repositories[repository].Equals(service, StringComparison.OrdinalIgnoreCase),
                    $"{prefix}:Repositories",
                    $"maps '{repository}' to {service}, but it is already mapped to " +
                    $"{repositories.GetValueOrDefault(repository)}.");
            }
            foreach (var pipeline in ChangeServiceOptions.Split(mapping.Pipelines))
                Check(pipelines.TryAdd(pipeline, service)
                    || pipelines[pipeline].Equals(service, StringComparison.OrdinalIgnoreCase), $"{prefix}:Pipelines",
                    $"maps '{pipeline}' to {service}, but it is already mapped to " +
                    $"{pipelines.GetValueOrDefault(pipeline)}.");
            foreach (var dependency in ChangeServiceOptions.Split(mapping.DependsOn))
                Check(ChangeRow.IsValidService(dependency), $"{prefix}:DependsOn",
                    $"names '{dependency}', which is not a valid service name.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The mapping, read once: repository or pipeline → service; service → services it depends on.</summary>
public sealed class ChangeMapping(IOptions<ChangesOptions> options)
{
    private readonly Dictionary<string, string> _repositories = Build(options.Value, m => m.Repositories);
    private readonly Dictionary<string, string> _pipelines = Build(options.Value, m => m.Pipelines);

    public string? ServiceOfRepository(string repository) => _repositories.GetValueOrDefault(repository);
    public string? ServiceOfPipeline(string pipeline) => _pipelines.GetValueOrDefault(pipeline);

    /// <summary>The service itself, then its configured dependencies.</summary>
    public IReadOnlyList<string> WithDependencies(string service)
    {
        var services = new List<string> { service };
        if (options.Value.Services.TryGetValue(service, out var mapping))
            services.AddRange(ChangeServiceOptions.Split(mapping.DependsOn)
                .Where(d => !services.Contains(d, StringComparer.OrdinalIgnoreCase)));
        return services;
    }

    private static Dictionary<string, string> Build(ChangesOptions o, Func<ChangeServiceOptions, string?> list)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (service, mapping) in o.Services)
            foreach (var item in ChangeServiceOptions.Split(list(mapping))) map.TryAdd(item, service);
        return map;
    }
}
