using System.CommandLine;
using System.Text.Json;
using AutoResponder.Composition;
using AutoResponder.OnCall;
using AutoResponder.Storage;
using YamlDotNet.Serialization;

namespace AutoResponder.Cli.OnCall;

/// <summary>What `oncall export` writes and `oncall import` reads: schedules and policies in the API's shape.</summary>
internal sealed class OnCallFile
{
    public List<ScheduleSettings> Schedules { get; set; } = [];
    public List<PolicySettings> Policies { get; set; } = [];
}

/// <summary>
/// `autoresponder oncall export FILE` writes the schedules and policies in force (settings and those set through the
/// API); `autoresponder oncall import FILE` checks a file whole and stores its schedules and policies as the API does
/// (table OnCall, winning over settings by name). YAML for .yaml/.yml, JSON otherwise.
/// </summary>
internal static class OnCallCommands
{
    public static Command Create(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var exportFile = new Argument<FileInfo>("file") { Description = "Where to write (.yaml, .yml or .json)." };
        var export = new Command("export", "Write the schedules and policies in force.") { exportFile };
        export.SetAction(async (parse, ct) => await WithCatalogAsync(settings, async (catalog, _) =>
        {
            var current = await catalog.CurrentAsync(ct);
            var file = parse.GetValue(exportFile)!;
            await File.WriteAllTextAsync(file.FullName, Write(new OnCallFile { Schedules = current.Schedules, Policies = current.Policies }, file.Name), ct);
            parse.InvocationConfiguration.Output.WriteLine($"Wrote {current.Schedules.Count} schedule(s) and " +
                $"{current.Policies.Count} policy(ies) to {file.FullName}.");
            return 0;
        }));

        var importFile = new Argument<FileInfo>("file")
        {
            Description = "A file written by `oncall export` (or by hand): .yaml, .yml or .json.",
        };
        var import = new Command("import",
            "Check a file and store its schedules and policies (they win over settings of the same name).")
        {
            importFile,
        };
        import.SetAction(async (parse, ct) => await WithCatalogAsync(settings, async (catalog, time) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var file = parse.GetValue(importFile)!;
            OnCallFile read;
            try { read = Read(await File.ReadAllTextAsync(file.FullName, ct), file.Name); }
            catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException or IOException)
            {
                error.WriteLine($"{file.Name}: {e.Message}");
                return 2;
            }
            var merged = (await catalog.CurrentAsync(ct)).With(read.Schedules, read.Policies);
            var problems = OnCallOptionsValidator.Problems(merged).ToList();
            if (problems.Count > 0)
            {
                error.WriteLine($"{file.Name} was not imported:");
                foreach (var p in problems) error.WriteLine("  " + p);
                return 2;
            }
            var now = time.GetUtcNow();
            foreach (var s in read.Schedules) await catalog.SaveAsync(s, "cli import", now, ct);
            foreach (var p in read.Policies) await catalog.SaveAsync(p, "cli import", now, ct);
            output.WriteLine($"Imported {read.Schedules.Count} schedule(s) and {read.Policies.Count} policy(ies) " +
                $"from {file.Name}.");
            return 0;
        }));

        return new Command("oncall", "On-call schedules and escalation policies (docs/oncall.md).") { export, import };
    }

    private static bool IsYaml(string name)
        => name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    /// <summary>
    /// YAML is written and read through the same JSON shape (so both formats accept exactly the same fields).
    /// </summary>
    public static string Write(OnCallFile file, string name)
    {
        var json = JsonSerializer.Serialize(file, Indented);
        if (!IsYaml(name)) return json;
        var tree = new DeserializerBuilder().Build().Deserialize<object>(json); // JSON is YAML
        return new SerializerBuilder().Build().Serialize(tree);
    }

    public static OnCallFile Read(string text, string name)
    {
        if (IsYaml(name))
        {
            var tree = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build()
                .Deserialize<object>(text);
            text = JsonSerializer.Serialize(tree);
        }
        return JsonSerializer.Deserialize<OnCallFile>(text, OnCallCatalog.Json) ?? new OnCallFile();
    }

    private static async Task<int> WithCatalogAsync(IReadOnlyDictionary<string, string?>? settings,
        Func<OnCallCatalog, TimeProvider, Task<int>> run)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        StorageClients.DefaultToDevelopmentStorage(builder.Configuration);
        builder.Services.AddAutoResponder(builder.Configuration);
        using var host = builder.Build();
        var catalog = host.Services.GetRequiredService<OnCallCatalog>();
        await catalog.Table.CreateIfNotExistsAsync();
        return await run(catalog, host.Services.GetRequiredService<TimeProvider>());
    }
}
