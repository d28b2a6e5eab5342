using System.Text.RegularExpressions;
using AutoResponder.Composition;
using AutoResponder.Storage;
using AutoResponder.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Storage;

/// <summary>
/// In Azure the storage the app uses is created once by infra/app/storage.bicep from the lists in infra/main.bicep's
/// storageLayout (a cold start must not depend on creating it, and the identity's storage roles are granted on exactly
/// those resources): every table, queue and container the app's start-up creates, with every feature on, is listed.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class InfraStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Infra_creates_every_table_queue_and_container_the_app_creates_at_start_up()
    {
        var prefix = $"i{Guid.NewGuid():N}"[..12];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [StorageClients.PrefixSetting] = prefix,
            ["ServiceBus:fullyQualifiedNamespace"] = "example.servicebus.windows.net", // as in Azure: reminders on Service Bus
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddAutoResponder(configuration).BuildServiceProvider();
        await services.GetRequiredService<StorageSetup>().EnsureCreatedAsync();
        var storage = services.GetRequiredService<StorageClients>();

        var tables = new List<string>();
        await foreach (var table in storage.Tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0))
            tables.Add(table.Name[prefix.Length..]);
        var queues = new List<string>();
        await foreach (var queue in storage.Queues.GetQueuesAsync(prefix: prefix.ToLowerInvariant() + "-"))
            queues.Add(queue.Name[(prefix.Length + 1)..]);
        var containers = new List<string>();
        await foreach (var container in storage.Blobs.GetBlobContainersAsync(prefix: prefix.ToLowerInvariant() + "-"))
            containers.Add(container.Name[(prefix.Length + 1)..]);

        var bicep = await File.ReadAllTextAsync(Path.Combine(AzuriteFixture.RepoRoot(), "infra", "main.bicep"));
        Assert.NotEmpty(tables);
        Assert.Empty(tables.Except(Names(bicep, "tables")));
        Assert.Empty(queues.Except(Names(bicep, "queues")));
        Assert.Empty(containers.Except(Names(bicep, "containers")));
    }

    /// <summary>The quoted names of one list of main.bicep's storageLayout.</summary>
    private static List<string> Names(string bicep, string list)
    {
        var layout = Regex.Match(bicep, @"var storageLayout = \{(?<body>.*?)\n\}", RegexOptions.Singleline);
        Assert.True(layout.Success, "main.bicep has no storageLayout");
        var match = Regex.Match(layout.Groups["body"].Value, $@"{list}: \[(?<items>[^\]]*)\]");
        Assert.True(match.Success, $"storageLayout has no list {list}");
        return Regex.Matches(match.Groups["items"].Value, "'([^']+)'").Select(m => m.Groups[1].Value).ToList();
    }
}
