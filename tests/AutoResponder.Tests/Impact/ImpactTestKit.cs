using AutoResponder.Alerts;
using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Impact.Seeding;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.Tests.Infrastructure;
using CsvHelper;
using Microsoft.Extensions.Options;

namespace AutoResponder.Tests.Impact;

/// <summary>Helpers shared by the impact integration tests: rule settings, seeding, opening incidents, reading exports.</summary>
internal static class ImpactTestKit
{
    public static readonly CatalogItem Mug = new("SKU-1", "Mug", new Dictionary<string, decimal> { ["EUR"] = 10m, ["USD"] = 11m });

    /// <summary>Settings for rules: each rule is a list of (setting, value) under AutoResponder:Impact:Rules:i.</summary>
    public static Dictionary<string, string?> Rules(params (string Setting, string Value)[][] rules)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < rules.Length; i++)
            foreach (var (setting, value) in rules[i]) settings[$"AutoResponder:Impact:Rules:{i}:{setting}"] = value;
        return settings;
    }

    public static TableOrderSource Orders(TestApp app) =>
        ImpactServices.CreateTableOrderSource(app.Storage, app.Get<IOptions<ImpactOptions>>().Value);

    public static async Task SeedAsync(TestApp app, params Order[] orders)
    {
        var target = Orders(app);
        await target.Orders.CreateIfNotExistsAsync();
        await target.Catalog.CreateIfNotExistsAsync();
        await OrderSeeder.WriteCatalogAsync(target.Catalog, [Mug], default);
        await OrderSeeder.WriteOrdersAsync(target.Orders, orders, 4, null, default);
    }

    public static async Task<string> OpenIncidentAsync(TestApp app, DateTimeOffset startsAt, string service = "checkout", string? rule = null,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var result = await app.Get<AlertIngestor>().IngestAsync(new Alert
        {
            Source = "generic",
            SourceAlertId = id,
            Fingerprint = id,
            Title = $"Checkout trouble {id}",
            Severity = Severity.Sev2,
            Status = AlertStatus.Firing,
            StartsAt = startsAt,
            Service = service,
            Rule = rule,
            Labels = labels ?? new Dictionary<string, string>(),
        }, default);
        return result.IncidentId!;
    }

    public static Task RunOutboxAsync(TestApp app, string incidentId) => app.Get<OutboxRunner>().RunAsync(incidentId, default);

    public static Task<List<ImpactSnapshotRecord>> SnapshotsAsync(TestApp app, string incidentId) => app.Get<ImpactSnapshotStore>().ListAsync(incidentId, default);

    public static async Task<byte[]> DownloadAsync(TestApp app, ImpactSnapshotRecord snapshot)
    {
        var content = await app.Get<ExportBlobs>().Container.GetBlobClient(snapshot.BlobName).DownloadContentAsync();
        return content.Value.Content.ToArray();
    }

    /// <summary>The rows of an export, each as column → cell.</summary>
    public static async Task<List<Dictionary<string, string>>> RowsAsync(byte[] csv)
    {
        var rows = new List<Dictionary<string, string>>();
        await using var reader = CsvReader.Create(new MemoryStream(csv), CsvReaderOptions.Default, leaveOpen: false);
        while (await reader.ReadAsync())
            rows.Add(AutoResponder.Impact.ImpactExporter.Columns.ToDictionary(c => c, c => reader.GetString(c)));
        return rows;
    }

    public static async Task<List<OutboxAction>> ActionsAsync(TestApp app, string incidentId, string kind) =>
        (await app.Get<IncidentStore>().GetDetailsAsync(incidentId, default))!.Actions.Where(a => a.Kind == kind).ToList();
}
