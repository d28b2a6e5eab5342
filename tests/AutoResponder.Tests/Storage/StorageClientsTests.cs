using AutoResponder.Storage;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Tests.Storage;

public sealed class StorageClientsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build();

    [Fact]
    public void Without_any_storage_setting_the_command_line_defaults_to_Azurite()
    {
        var configuration = Config();
        StorageClients.DefaultToDevelopmentStorage(configuration);
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", StorageClients.FromConfiguration(configuration).Tables.Uri.ToString().TrimEnd('/'));
    }

    [Fact]
    public void Identity_based_settings_are_kept_and_used()
    {
        var configuration = Config(
            ("AzureWebJobsStorage:tableServiceUri", "https://stprod.table.core.windows.net"),
            ("AzureWebJobsStorage:blobServiceUri", "https://stprod.blob.core.windows.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://stprod.queue.core.windows.net"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"));
        StorageClients.DefaultToDevelopmentStorage(configuration);

        var clients = StorageClients.FromConfiguration(configuration);

        Assert.Equal("stprod.table.core.windows.net", clients.Tables.Uri.Host);
        Assert.Equal("stprod.blob.core.windows.net", clients.Blobs.Uri.Host);
    }

    [Fact]
    public void The_Functions_hosts_accountName_form_names_the_default_endpoints()
    {
        var configuration = Config(("AzureWebJobsStorage:accountName", "stprod"), ("AzureWebJobsStorage:credential", "managedidentity"));

        Assert.Null(StorageClients.ConfigurationProblem(configuration));
        var clients = StorageClients.FromConfiguration(configuration);
        Assert.Equal("https://stprod.table.core.windows.net/", clients.Tables.Uri.ToString());
        Assert.Equal("https://stprod.queue.core.windows.net/", clients.Queues.Uri.ToString());
        Assert.Equal("https://stprod.blob.core.windows.net/", clients.Blobs.Uri.ToString());
    }

    [Fact]
    public void Without_storage_the_problem_names_the_setting()
    {
        Assert.Contains("'AzureWebJobsStorage'", StorageClients.ConfigurationProblem(Config()));
        Assert.Contains("'AzureWebJobsStorage'", StorageClients.ConfigurationProblem(Config(("AzureWebJobsStorage", ""))));
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "AzureWebJobsStorage__blobServiceUri")]
    [InlineData("AutoResponder:StoragePrefix", "AutoResponder:StoragePrefix")]
    public void A_missing_or_bad_storage_setting_names_itself(string key, string named)
    {
        var configuration = key == "AutoResponder:StoragePrefix"
            ? Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true"), (key, "has-dash"))
            : Config((key, "https://stprod.table.core.windows.net"));
        var error = Assert.Throws<InvalidOperationException>(() => StorageClients.FromConfiguration(configuration));
        Assert.Contains(named, error.Message);
    }
}
