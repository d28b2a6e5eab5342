using Microsoft.Playwright;

namespace AutoResponder.Tests.WebConsole;

/// <summary>
/// One headless Chromium for the browser tests: the system's Debian package (/usr/bin/chromium; CI installs it with
/// apt-get), driven by Microsoft.Playwright through its executable path — `playwright install` cannot download here.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable("AUTORESPONDER_CHROMIUM") ?? ChromiumPath;
        if (!File.Exists(path))
            throw new InvalidOperationException($"Chromium is not installed at {path}: `apt-get install -y chromium` (.ci/run does this).");
        _playwright = await Playwright.CreateAsync();
        Assertions.SetDefaultExpectTimeout(20_000); // Expect(...) retries until then: waits are for conditions, not time
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    /// <summary>Closing is bounded: a browser that does not answer must not keep the test run from ending.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            if (Chromium is not null) await Chromium.CloseAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException) { }
        if (_playwright is { } playwright) await Task.Run(playwright.Dispose).WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { });
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Infrastructure.AzuriteFixture>, ICollectionFixture<Browser>
{
    public const string Name = "Browser";
}
