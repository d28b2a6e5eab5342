using System.Text;
using System.Text.Json;
using AutoResponder.Alerts;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Intake;
using AutoResponder.Outbox;
using AutoResponder.Tests.Graph;
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
        ["AutoResponder:PublicBaseUrl"] = "https://incidents.shop.example",
    };

    private static async Task<string> OweExportAsync(TestApp app, string payload)
    {
        var opened = await app.Get<AlertIngestor>().IngestAsync(AlertIngestorTests.Alert("fp-export-" + Guid.NewGuid().ToString("N")[..6], app.Time.GetUtcNow(), Severity.Sev2), default);
        var id = opened.IncidentId!;
        var store = app.Get<IncidentStore>();
        var change = new IncidentChange((await store.FindAsync(id, default))!, isNew: false) { LeaveIncidentRow = true };
        change.Actions.Add(OutboxAction.Create(id, ImpactOutbox.DeliverExport.Name, payload, app.Time.GetUtcNow()));
        await app.Get<IncidentCommits>().CommitAsync(change, default);
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

        var id = await OweExportAsync(app, Payload(new DeliverExportPayload("0001", container.Name, "INC-x/orders-1.csv", csv.Length, 2, 2)));

        var mail = Assert.Single(graph.SendMails);
        Assert.Equal(["ops@contoso.com", "fulfilment@contoso.com"], mail.To);
        Assert.Contains("(2 rows)", mail.Subject);
        var attachment = Assert.Single(mail.Message.GetProperty("attachments").EnumerateArray());
        // Graph's fileAttachment, as serialised on the wire: type, name, content type and the bytes in base64.
        Assert.Equal("#microsoft.graph.fileAttachment", attachment.GetProperty("@odata.type").GetString());
        Assert.Equal($"{id}-impact-0001.csv", attachment.GetProperty("name").GetString());
        Assert.Equal("text/csv", attachment.GetProperty("contentType").GetString());
        Assert.Equal(csv, Encoding.UTF8.GetString(Convert.FromBase64String(attachment.GetProperty("contentBytes").GetString()!)));
        Assert.DoesNotContain("sig=", mail.Body);
        Assert.DoesNotContain("/export", mail.Html); // attached: no need to sign in anywhere

        var details = (await app.Get<IncidentStore>().GetDetailsAsync(id, default))!;
        // Who received which snapshot, how and how much, under a kind of its own (beside export-downloaded).
        var mailed = Assert.Single(details.Timeline, t => t.Kind == TimelineKinds.ExportMailed);
        Assert.Equal($"Affected-orders export (snapshot 0001, 2 rows, {csv.Length} bytes) mailed to operations attached ({csv.Length} bytes): ops@contoso.com, fulfilment@contoso.com.", mailed.Text);
        var marker = await app.Get<IncidentStates>().ReadAsync<SentMarker>(id, OpsExportMailHandler.MailedMarker(
            new DeliverExportPayload("0001", "", "", 0, 0, 0)), default);
        Assert.Equal(("0001", app.Time.GetUtcNow()), (marker.Ref, marker.At));
    }

    [Fact]
    public async Task A_large_export_links_the_authenticated_download_route_and_says_to_sign_in()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);

        // Over 3 MB: the blob is not even read (it does not exist here), the mail names the route.
        var id = await OweExportAsync(app, Payload(new DeliverExportPayload("0002", "exports", "INC-y/orders.csv", 9_000_000, 120_000, 500)));

        var mail = Assert.Single(graph.SendMails);
        Assert.False(mail.Message.TryGetProperty("attachments", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0);
        Assert.Contains($"<a href=\"https://incidents.shop.example/api/incidents/{id}/impact/snapshots/0002/export\">Download the CSV</a>", mail.Html);
        Assert.Contains("Sign in to AutoResponder as ops or responder", mail.Html);
        Assert.Contains("120000 rows", mail.Subject);
        Assert.DoesNotContain("sig=", mail.Body);
        Assert.DoesNotContain("blob.core", mail.Body);
    }

    [Fact]
    public async Task With_AttachExports_off_even_a_small_export_is_only_linked_and_the_timeline_says_so()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>(Settings) { ["AutoResponder:Mail:AttachExports"] = "false" }, graph.Install);
        var container = app.Storage.Container("exports");
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("INC-s/orders.csv").UploadAsync(BinaryData.FromString("orderId,email\n1,a@b.example\n"));

        var id = await OweExportAsync(app, Payload(new DeliverExportPayload("0004", container.Name, "INC-s/orders.csv", 28, 1, 1)));

        var mail = Assert.Single(graph.SendMails);
        Assert.False(mail.Message.TryGetProperty("attachments", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0);
        Assert.DoesNotContain("a@b.example", mail.Message.GetRawText());
        Assert.Contains($"<a href=\"https://incidents.shop.example/api/incidents/{id}/impact/snapshots/0004/export\">Download the CSV</a>", mail.Html);
        var mailed = Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Timeline, t => t.Kind == TimelineKinds.ExportMailed);
        Assert.Contains("mailed to operations as the download route (AttachExports is off): ops@contoso.com, fulfilment@contoso.com", mailed.Text);
    }

    [Fact]
    public async Task A_small_export_whose_blob_is_missing_is_retried_not_mailed_without_the_data()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);

        var id = await OweExportAsync(app, Payload(new DeliverExportPayload("0003", "exports", "INC-z/missing.csv", 100, 1, 1)));

        Assert.Empty(graph.SendMails);
        var action = Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Actions, x => x.Kind == ImpactOutbox.DeliverExport.Name);
        Assert.Equal(OutboxStatus.Pending, action.Status);
        Assert.Equal(1, action.Attempts);
    }

    [Fact]
    public async Task A_payload_that_is_not_the_contract_is_parked()
    {
        var graph = new FakeGraphHandler();
        await using var app = await TestApp.StartAsync(azurite, Settings, graph.Install);

        var id = await OweExportAsync(app, """{"id":"snap-2","blob":"INC-y/orders.csv","sasUrl":"https://x.invalid/o.csv"}""");

        Assert.Empty(graph.SendMails);
        var action = Assert.Single((await app.Get<IncidentStore>().GetDetailsAsync(id, default))!.Actions, x => x.Kind == ImpactOutbox.DeliverExport.Name);
        Assert.Equal(OutboxStatus.Failed, action.Status);
    }
}
