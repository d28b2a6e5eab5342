namespace AutoResponder.WebConsole;

/// <summary>
/// The console's stylesheet and script, embedded in this assembly and served by the app (no CDN, no build step).
/// </summary>
public sealed class ConsoleAssets
{
    public sealed record Asset(byte[] Bytes, string ContentType);

    private readonly Dictionary<string, Asset> _assets = Load();

    public Asset? Find(string name) => _assets.GetValueOrDefault(name);

    private static Dictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var (name, type) in new[] { ("console.css", "text/css; charset=utf-8"), ("console.js", "text/javascript; charset=utf-8") })
        {
            using var stream = assembly.GetManifestResourceStream($"AutoResponder.WebConsole.Assets.{name}")
                ?? throw new InvalidOperationException($"The console asset {name} is not embedded.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = new Asset(copy.ToArray(), type);
        }
        return assets;
    }
}
