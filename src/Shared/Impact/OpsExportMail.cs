using System.Globalization;
using System.Net;
using System.Text.Json;
using AutoResponder.Hosting;
using AutoResponder.Incidents;
using AutoResponder.Links;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Impact;

/// <summary>Reads an export blob; a port so the handler can be tested without the impact feature.</summary>
internal interface IExportBlobReader
{
    /// <summary>The blob's bytes, or null when it does not exist.</summary>
    Task<byte[]?> ReadAsync(string container, string blobName, CancellationToken ct);
}

/// <summary>
/// Reads exports from the container the delivery names (the impact feature's AutoResponder:Impact:ExportContainer,
/// prefixed).
/// </summary>
internal sealed class StorageExportBlobReader(StorageClients storage) : IExportBlobReader
{
    public async Task<byte[]?> ReadAsync(string container, string blobName, CancellationToken ct)
    {
        try
        {
            var result = await storage.Blobs.GetBlobContainerClient(container).GetBlobClient(blobName)
                .DownloadContentAsync(ct);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404) { return null; }
    }
}

/// <summary>
/// Emails operations the affected-orders export (<see cref="ImpactOutbox.DeliverExport"/>): attached when it is at most
/// AutoResponder:Mail:MaxAttachmentBytes (3 MB) and AutoResponder:Mail:AttachExports is on; otherwise linked through
/// the authenticated download route (GET /api/incidents/{id}/impact/snapshots/{snapshot}/export, roles ops or
/// responder), never a signed storage link. Sent once per export (a <see cref="SentMarker"/>), and recorded on the
/// timeline as <see cref="TimelineKinds.ExportMailed"/>: which snapshot, to whom, attached or linked, how many bytes.
/// </summary>
internal sealed class OpsExportMailHandler(IExportBlobReader blobs, IncidentStates states, IMailSender mail,
    PeopleLinks links, IOptions<MailOptions> options, TimeProvider time, ILogger<OpsExportMailHandler> log)
    : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        DeliverExportPayload export;
        try { export = JsonSerializer.Deserialize<DeliverExportPayload>(context.Action.Payload, JsonSerializerOptions.Web) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new PermanentOutboxException($"{ImpactOutbox.DeliverExport.Name} payload is not a {nameof(DeliverExportPayload)}: {e.Message}", e); }
        if (string.IsNullOrEmpty(export.SnapshotId) || string.IsNullOrEmpty(export.BlobName))
            throw new PermanentOutboxException(
                $"{ImpactOutbox.DeliverExport.Name} payload names no snapshotId or blobName.");
        var mailed = MailedMarker(export);
        if (await states.ExistsAsync(context.Incident.Id, mailed, ct))
            return OutboxOutcome.Done("skipped: export already mailed");

        var o = options.Value;
        var recipients = o.Ops();
        // waits for the setting, never parked
        if (recipients.Count == 0) throw new NotConfiguredException(MailOptions.Area, MailOptions.NoOpsProblem);

        var incident = context.Incident;
        MailAttachment? attachment = null;
        if (o.AttachExports && export.SizeBytes <= o.MaxAttachmentBytes)
        {
            // A missing blob is retried (storage may lag), then parked where people see it: never a mail without the
            // data.
            var bytes = await blobs.ReadAsync(export.Container, export.BlobName, ct)
                ?? throw new InvalidOperationException(
                    $"Export blob '{export.Container}/{export.BlobName}' was not found.");
            if (bytes.Length <= o.MaxAttachmentBytes)
                attachment = new MailAttachment($"{incident.Id}-impact-{export.SnapshotId}.csv", "text/csv", bytes);
        }
        var download = links.Export(incident.Id, export.SnapshotId);

        var subject = export.Supersedes is null
            ? $"[{incident.SeverityName}] {incident.Id}: affected orders export ({export.RowCount} rows)"
            : $"[{incident.SeverityName}] {incident.Id}: corrected affected orders export ({export.RowCount} rows, " +
                $"supersedes {export.Supersedes})";
        var facts = new List<(string, string)>
        {
            ("Incident", $"{incident.Id}: {incident.Title}"),
            ("Status", incident.Status.ToApi()),
            ("Rows", export.RowCount.ToString(CultureInfo.InvariantCulture)),
        };
        // What the money means, by measure: "Underpaid" (price rules), "Order value at risk" (all orders), "Amount
        // stuck".
        facts.AddRange(export.MoneyAtRisk.Select(m => (m.Measure, ImpactSnapshotHandler.Amounts(m.Amounts))));
        facts.Add(("Size", $"{export.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes"));
        facts.Add(("Snapshot", export.SnapshotId));
        if (export.Supersedes is { } earlier)
            facts.Add(("Supersedes",
                $"This export supersedes the export of snapshot {earlier}: the impact rules were corrected. Use this list; " +
                $"{export.RemovedRowCount.ToString("N0", CultureInfo.InvariantCulture)} orders of the earlier one " +
                $"are not in it, {export.NewRowCount.ToString("N0", CultureInfo.InvariantCulture)} are new."));
        var signIn = "Sign in to AutoResponder as ops or responder (personal access token, or Entra ID in Azure) to " +
            "download it; every download is recorded on the incident.";
        var notAttached = o.AttachExports
            ? $"The CSV is larger than {o.MaxAttachmentBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes, so " +
                $"it is not attached. "
            : "The CSV holds customer data, so it is not attached. ";
        var delivery = attachment is not null
            ? $"The CSV is attached ({attachment.Name}). It contains customer data: do not forward it."
            : $"{notAttached}Download it: {download} — {signIn}";

        var html = "<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\">" +
            "<h2>Affected orders export</h2><table>"
            + string.Concat(facts.Select(f =>
                $"<tr><th style=\"text-align:left;padding-right:12px\">{WebUtility.HtmlEncode(f.Item1)}</th>" +
                $"<td>{WebUtility.HtmlEncode(f.Item2)}</td></tr>"))
            + "</table><p>" + (attachment is not null
                ? WebUtility.HtmlEncode(delivery)
                : WebUtility.HtmlEncode(notAttached)
                  + (links.AreAbsolute ? $"<a href=\"{WebUtility.HtmlEncode(download)}\">Download the CSV</a>"
                      : WebUtility.HtmlEncode($"Download it: GET {download}"))
                  + ". " + WebUtility.HtmlEncode(signIn))
            + "</p></body></html>";
        var text = string.Join('\n', facts.Select(f => $"{f.Item1}: {f.Item2}")) + "\n\n" + delivery + "\n";

        var message = attachment is null
            ? MailMessage.Create(o.SenderMailbox, recipients, subject, html, text)
            : MailMessage.Create(o.SenderMailbox, recipients, subject, html, text, attachment);
        await mail.SendAsync(message, ct);
        log.LogInformation("Export {Snapshot} for {IncidentId} mailed to ops ({How})", export.SnapshotId, incident.Id,
            attachment is null ? "download route" : "attachment");
        var how = attachment is not null
            ? $"attached ({attachment.Bytes.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes)"
            : o.AttachExports ? "as the download route (too large to attach)"
                : "as the download route (AttachExports is off)";
        return new OutboxOutcome(
            Result: $"export mailed {how} to {string.Join(", ", recipients)}",
            State: [StateChange.Mark(mailed, export.SnapshotId, time.GetUtcNow())],
            TimelineText: $"Affected-orders export (snapshot {export.SnapshotId}, " +
                $"{export.RowCount.ToString(CultureInfo.InvariantCulture)} rows, " +
                          $"{export.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes) mailed to " +
                          $"operations {how}: {string.Join(", ", recipients)}.",
            TimelineKind: TimelineKinds.ExportMailed);
    }

    /// <summary>The marker that says this export was mailed (one per snapshot).</summary>
    public static string MailedMarker(DeliverExportPayload export) =>
        SentMarker.KeyFor("ops-export", Keys.Hash(export.SnapshotId));
}
