namespace AutoResponder.FunctionsHost;

/// <summary>Command-line options of both commands.</summary>
internal sealed class Options
{
    public int? Port { get; private set; }
    public string? Key { get; private set; }
    public string AppDirectory { get; private set; } = Path.Combine(RepoRoot(), "src", "Functions", "bin", "Release", "net10.0");
    public string Cli { get; private set; } = Path.Combine(RepoRoot(), "src", "Cli", "bin", "Release", "net10.0", "autoresponder.dll");
    public string Storage { get; private set; } = "UseDevelopmentStorage=true";
    public int Alerts { get; private set; } = 20;
    public bool Verbose { get; private set; }
    public List<string> SettingsFiles { get; } = [];
    public Dictionary<string, string> Set { get; } = [];

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": o.Port = int.Parse(Next()); break;
                case "--key": o.Key = Next(); break;
                case "--app": o.AppDirectory = Path.GetFullPath(Next()); break;
                case "--cli": o.Cli = Path.GetFullPath(Next()); break;
                case "--storage": o.Storage = Next(); break;
                case "--alerts": o.Alerts = int.Parse(Next()); break;
                case "--settings": o.SettingsFiles.Add(Next()); break;
                case "--set":
                    var pair = Next().Split('=', 2);
                    o.Set[pair[0]] = pair.Length > 1 ? pair[1] : "";
                    break;
                case "--verbose": o.Verbose = true; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return o;
    }

    /// <summary>The app settings: storage, the settings files, this process's AutoResponder__* variables, then --set.</summary>
    public Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string> { ["AzureWebJobsStorage"] = Storage };
        // The Function app's local settings, as Core Tools reads local.settings.json: the timer schedules (%Setting%).
        foreach (var (k, v) in AppSettings.FromLocalSettings(Path.Combine(RepoRoot(), "src", "Functions", "local.settings.example.json")))
            if (k.StartsWith("AutoResponder__", StringComparison.Ordinal)) settings[k] = v;
        foreach (var file in SettingsFiles)
            foreach (var (k, v) in AppSettings.FromJsonFile(file)) settings[k] = v;
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key.ToString()!.StartsWith("AutoResponder__", StringComparison.OrdinalIgnoreCase)) settings[e.Key.ToString()!] = e.Value?.ToString() ?? "";
        foreach (var (k, v) in Set) settings[k] = v;
        return settings;
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AutoResponder.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
