using AutoResponder.Tests.Graph;
using System.Text;
using System.Text.Json;
using AutoResponder.Impact;
using AutoResponder.Alerts;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.StatusEmails;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Intake;

namespace AutoResponder.Tests.StatusEmails;

[Collection(AzuriteCollection.Name)]
public sealed class OpsExportMailHandlerTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["AutoResponder:Mail:Sender"] = "incidents@contoso.com",
        ["AutoResponder:Mail:OpsRecipients"] = "ops@contoso.com; fulfilment@contoso.com",
        ["AutoResponder:StatusEmails:Enabled"] = "false",
        ["AutoResponder:Reminders:Enabled"] = "false",
    };

    private static async Task<string> OweExportAsync(TestApp app, string payload)
    {
        var opened = await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert("fp-export-" + Guid.NewGuid().ToString("N")[..6], app.Time.GetUtcNow(), Severity.Sev2), default);
        var id = opened.IncidentId!;
        var store = app.Get<IncidentStore>();
        var change = new IncidentChange((await store.FindAsync(id, default))!, isNew: false) { LeaveIncidentRow = true };
        change.Actions.Add(OutboxAction.Create(id, OpsExportMailHandler.KindName, payload, app.Time.GetUtcNow()));
        await store.CommitAsync(change, default);
        await app.Get<OutboxRunner>().RunAsync(id, default);
        return id;
    }

    private static string Payload(DeliverExportPayload payload) => JsonSerializer.Serialize(payload, JsonSerializerOptions.Web);

    [Fact]
    public async Task A_small_export_is_attached_from_the_container_the_impact_feature_named_and_mailed_once()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);
        var csv = "orderId,customer,amount\n1001,c-1,25.00\n1002,c-2,12.50\n";
        // Not the default "exports": the producer's container (AutoResponder:Impact:ExportContainer) travels in the contract.
        var container = app.Storage.Container("opsexports");
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("INC-x/orders-1.csv").UploadAsync(BinaryData.FromString(csv));

        var id = await OweExportAsync(app, Payload(new DeliverExportPayload("snap-1", container.Name, "INC-x/orders-1.csv",
            "https://example.invalid/sas", new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero), csv.Length, 2, 2)));

        var mail = Assert.Single(graph.SendMails);
        Assert.Equal(["ops@contoso.com", "fulfilment@contoso.com"], mail.To);
        Assert.Contains("(2 rows)", mail.Subject);
        var attachment = Assert.Single(mail.Message.GetProperty("attachments").EnumerateArray());
        Assert.Equal("orders-1.csv", attachment.GetProperty("name").GetString());
        Assert.Equal(csv, Encoding.UTF8.GetString(Convert.FromBase64String(attachment.GetProperty("contentBytes").GetString()!)));

        var details = (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;
        Assert.Contains(details.Timeline, t => t.Text.StartsWith("Affected-orders export mailed to operations attached"));
        var marker = await app.Get<IncidentStates>().ReadAsync<SentMarker>(id, OpsExportMailHandler.MailedMarker(
            new DeliverExportPayload("snap-1", "", "", "", default, 0, 0, 0)), default);
        Assert.Equal(("snap-1", app.Time.GetUtcNow()), (marker.Ref, marker.At));
    }

    [Fact]
    public async Task A_large_export_is_linked_with_the_expiry_the_producer_wrote()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);

        await OweExportAsync(app, Payload(new DeliverExportPayload("snap-2", "exports", "INC-y/orders.csv", "https://exports.example.invalid/orders.csv?sig=abc",
            new DateTimeOffset(2026, 11, 27, 17, 30, 0, TimeSpan.Zero), 9_000_000, 120_000, 500)));

        var mail = Assert.Single(graph.SendMails);
        Assert.False(mail.Message.TryGetProperty("attachments", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0);
        Assert.Contains("https://exports.example.invalid/orders.csv?sig=abc", mail.Html);
        Assert.Contains("120000 rows", mail.Subject);
        Assert.Contains("link valid until 2026-11-27 17:30 UTC", mail.Html);
    }

    [Fact]
    public async Task A_payload_that_is_not_the_contract_is_parked()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);

        var id = await OweExportAsync(app, """{"id":"snap-2","blob":"INC-y/orders.csv","sasUrl":"https://x.invalid/o.csv"}""");

        Assert.Empty(graph.SendMails);
        var action = Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Actions, x => x.Kind == OpsExportMailHandler.KindName);
        Assert.Equal(OutboxStatus.Failed, action.Status);
    }
}
