using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using AutoResponder.Cli.Tokens;
using AutoResponder.Storage;
using AutoResponder.Tests.Http;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Access;

/// <summary>`autoresponder tokens create|list|revoke`, run in-process as the CLI runs it, against Azurite; the tokens it makes work over HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TokenCommandsTests(AzuriteFixture azurite)
{
    private static readonly Regex Token = new(@"arp_[0-9a-z]+_[A-Za-z0-9_-]+", RegexOptions.CultureInvariant);

    private sealed record Run(int Exit, string Output, string Error);

    // One clock for the CLI and the host, on a date of its own: the test passes on any day (UTC midnight included).
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2031, 5, 14, 23, 59, 30, TimeSpan.Zero));

    private async Task<Run> CliAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { TokenCommands.Create(settings, _clock) };
        var exit = await root.Parse(["tokens", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new Run(exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Create_prints_the_token_once_list_never_shows_secrets_and_revoke_stops_it_over_HTTP()
    {
        var prefix = "c" + Guid.NewGuid().ToString("N")[..10];
        var settings = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString, [StorageClients.PrefixSetting] = prefix };

        var created = await CliAsync(settings, "create", "--name", "alice@shop.example", "--role", "responder", "--role", "ops");
        Assert.True(created.Exit == 0, created.Error);
        var token = Token.Match(created.Output).Value;
        Assert.NotEmpty(token);
        var id = token.Split('_')[1];
        Assert.Contains($"Token {id} for alice@shop.example (responder,ops)", created.Output);

        var quiet = await CliAsync(settings, "create", "--name", "storefront", "--role", "viewer", "--quiet");
        Assert.Equal(0, quiet.Exit);
        Assert.Matches($"^{Token}$", quiet.Output.Trim());           // only the token, for scripts

        var badRole = await CliAsync(settings, "create", "--name", "eve", "--role", "superuser");
        Assert.Equal(2, badRole.Exit);
        Assert.Contains("superuser", badRole.Error);

        var list = await CliAsync(settings, "list");
        Assert.Equal(0, list.Exit);
        Assert.Contains(list.Output.Split('\n'), l => l.StartsWith(id) && l.Contains("alice@shop.example") && l.Contains("responder,ops") && !l.Contains("REVOKED"));
        Assert.Contains("storefront", list.Output);
        Assert.DoesNotContain(token.Split('_', 3)[2], list.Output); // never the secret
        Assert.DoesNotContain("eve", list.Output);                   // the refused token was not stored

        // The host over the same storage accepts the token, and stops accepting it once revoked.
        await using var host = await RunningHost.StartAsync(azurite, null, services => services.AddSingleton<TimeProvider>(_clock), $"{StorageClients.PrefixSetting}={prefix}");
        var alice = host.NewClient(token);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/api/incidents")).StatusCode);

        var revoked = await CliAsync(settings, "revoke", id);
        Assert.Equal(0, revoked.Exit);
        Assert.Contains($"Token {id} revoked.", revoked.Output);
        await BadInputTests.AssertProblem(await alice.GetAsync("/api/incidents"), 401, "Authorization", "revoked by the CLI");
        Assert.Contains((await CliAsync(settings, "list")).Output.Split('\n'), l => l.StartsWith(id) && l.Contains("REVOKED"));

        // --expires: days or a date; the list shows expiry and last use, and warns about tokens expiring within 14 days.
        var shortLived = await CliAsync(settings, "create", "--name", "ci-bot", "--role", "viewer", "--expires", "7d");
        Assert.True(shortLived.Exit == 0, shortLived.Error);
        var shortId = Token.Match(shortLived.Output).Value.Split('_')[1];
        Assert.Contains($"expires {_clock.GetUtcNow().AddDays(7):yyyy-MM-dd}", shortLived.Output);
        var dated = await CliAsync(settings, "create", "--name", "auditor", "--role", "viewer", "--expires", _clock.GetUtcNow().AddDays(30).ToString("yyyy-MM-dd"));
        Assert.True(dated.Exit == 0, dated.Error);
        foreach (var bad in new[] { "0", "900d", "tomorrow", "2001-01-01" })
        {
            var refused = await CliAsync(settings, "create", "--name", "x", "--role", "viewer", "--expires", bad);
            Assert.True(refused.Exit == 2, $"--expires {bad}: {refused.Exit}");
        }
        var listed = (await CliAsync(settings, "list")).Output.Split('\n');
        Assert.Contains(listed, l => l.StartsWith(shortId) && l.Contains("EXPIRES SOON") && l.Contains("not used yet"));
        Assert.Contains(listed, l => l.Contains(" storefront ") && l.Contains($"expires {_clock.GetUtcNow().AddDays(90):yyyy-MM-dd}")); // the default
        Assert.Contains(listed, l => l.StartsWith(id) && l.Contains("REVOKED") && l.Contains($"last used {_clock.GetUtcNow():yyyy-MM-dd}")); // used over HTTP above
        Assert.Contains(listed, l => l.StartsWith($"Warning: token {shortId} (ci-bot) expires in 7 day(s)"));

        var unknown = await CliAsync(settings, "revoke", "nosuchtoken");
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("No token 'nosuchtoken'", unknown.Error);
    }
}
