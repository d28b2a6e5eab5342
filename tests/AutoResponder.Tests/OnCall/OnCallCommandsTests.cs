using System.CommandLine;
using AutoResponder.Cli.OnCall;
using AutoResponder.OnCall;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.OnCall;

[Collection(AzuriteCollection.Name)]
public sealed class OnCallCommandsTests(AzuriteFixture azurite)
{
    private sealed record Run(int Exit, string Output, string Error);

    private static async Task<Run> CliAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var root = new RootCommand { OnCallCommands.Create(settings) };
        var exit = await root.Parse(["oncall", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new Run(exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_YAML_file_is_imported_used_and_exported_again_and_a_bad_one_stores_nothing()
    {
        var settings = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString, [StorageClients.PrefixSetting] = "c" + Guid.NewGuid().ToString("N")[..10] };
        var folder = Directory.CreateTempSubdirectory("oncall-cli").FullName;
        try
        {
            var yaml = Path.Combine(folder, "oncall.yaml");
            await File.WriteAllTextAsync(yaml, """
                schedules:
                  - name: primary
                    members: [ana@contoso.com, ben@contoso.com]
                    start: 2026-11-23
                    handOff: "09:00"
                    length: weekly
                    timeZone: Europe/Berlin
                    overrides:
                      - person: cem@contoso.com
                        from: 2026-12-24T08:00:00Z
                        to: 2026-12-27T08:00:00Z
                policies:
                  - name: checkout
                    default: true
                    repeat: 1
                    levels:
                      - schedules: [primary]
                        minutes: 10
                      - people: [lead@contoso.com]
                        minutes: 20
                """);
            var imported = await CliAsync(settings, "import", yaml);
            Assert.True(imported.Exit == 0, imported.Error);
            Assert.Contains("Imported 1 schedule(s) and 1 policy(ies)", imported.Output);

            var json = Path.Combine(folder, "out.json");
            Assert.Equal(0, (await CliAsync(settings, "export", json)).Exit);
            var back = OnCallCommands.Read(await File.ReadAllTextAsync(json), "out.json");
            var schedule = Assert.Single(back.Schedules).ToSchedule();
            Assert.Equal("cem@contoso.com", schedule.OnCallAt(new DateTimeOffset(2026, 12, 25, 12, 0, 0, TimeSpan.Zero)));   // the override survived
            Assert.Equal("ben@contoso.com", schedule.OnCallAt(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero)));
            var policy = Assert.Single(back.Policies);
            Assert.Equal((true, 1, 2, 20), (policy.Default, policy.Repeat, policy.Levels.Count, policy.Levels[1].Minutes));

            var yamlOut = Path.Combine(folder, "out.yaml");
            Assert.Equal(0, (await CliAsync(settings, "export", yamlOut)).Exit);
            var again = OnCallCommands.Read(await File.ReadAllTextAsync(yamlOut), "out.yaml");
            Assert.Equal(back.Schedules[0].Overrides[0].From, again.Schedules[0].Overrides[0].From);
            Assert.Equal(ShiftLength.Weekly, again.Schedules[0].Length);

            var bad = Path.Combine(folder, "bad.json");
            await File.WriteAllTextAsync(bad, """{"schedules":[{"name":"night","members":["x@contoso.com"],"timeZone":"Mars/Base"}],"policies":[]}""");
            var refused = await CliAsync(settings, "import", bad);
            Assert.Equal(2, refused.Exit);
            Assert.Contains("TimeZone", refused.Error);
            Assert.Equal(0, (await CliAsync(settings, "export", json)).Exit);
            Assert.Single(OnCallCommands.Read(await File.ReadAllTextAsync(json), "out.json").Schedules); // nothing stored
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
