using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using AutoResponder.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.StatusEmails;

/// <summary>Reads an export blob; a port so the handler can be tested without the impact feature.</summary>
public interface IExportBlobReader
{
    /// <summary>The blob's bytes, or null when it does not exist.</summary>
    Task<byte[]?> ReadAsync(string blobName, CancellationToken ct);
}

/// <summary>Reads exports from the "exports" container (with the storage prefix).</summary>
public sealed class StorageExportBlobReader(StorageClients storage) : IExportBlobReader
{
    public const string ContainerName = "exports";

    public async Task<byte[]?> ReadAsync(string blobName, CancellationToken ct)
    {
        try
        {
            var result = await storage.Container(ContainerName).GetBlobClient(blobName).DownloadContentAsync(ct);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404) { return null; }
    }
}

/// <summary>
/// The "ops.deliver-export" payload, read tolerantly: the impact feature names the fields
/// snapshotId, blobName, url, sizeBytes, rows, expiresAt; common alternatives (id, blob, sasUrl, size, rowCount, expires) are accepted too.
/// </summary>
public sealed record ExportDelivery(string? SnapshotId, string? BlobName, string? Url, long? SizeBytes, long? Rows, DateTimeOffset? ExpiresAt)
{
    public static ExportDelivery Parse(string json)
    {
        JsonElement root;
        try { root = JsonDocument.Parse(json).RootElement; }
        catch (JsonException e) { throw new PermanentOutboxException($"ops.deliver-export payload is not JSON: {e.Message}"); }
        if (root.ValueKind != JsonValueKind.Object) throw new PermanentOutboxException("ops.deliver-export payload is not a JSON object.");

        JsonElement? Find(params string[] names)
        {
            foreach (var p in root.EnumerateObject())
                if (names.Any(n => string.Equals(n, p.Name, StringComparison.OrdinalIgnoreCase)) && p.Value.ValueKind != JsonValueKind.Null) return p.Value;
            return null;
        }
        string? Text(params string[] names) => Find(names) is { } v ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;
        long? Number(params string[] names) => Find(names) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n
            : v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : null
            : null;
        DateTimeOffset? When(params string[] names) =>
            Text(names) is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

        var delivery = new ExportDelivery(
            Text("snapshotId", "snapshot", "id", "exportId"),
            Text("blobName", "blob", "name", "path"),
            Text("url", "sasUrl", "link", "downloadUrl"),
            Number("sizeBytes", "size", "bytes", "length"),
            Number("rows", "rowCount", "orders", "count"),
            When("expiresAt", "expires", "expiry"));
        if (delivery.BlobName is null && delivery.Url is null)
            throw new PermanentOutboxException("ops.deliver-export payload has neither blobName nor url.");
        return delivery;
    }

    public string Key => Keys.Hash(SnapshotId ?? BlobName ?? Url!);
}

/// <summary>
/// Emails operations the affected-orders export ("ops.deliver-export"): attached when it is at most
/// AutoResponder:Mail:MaxAttachmentBytes (3 MB), else as its link. Sent once per export (recorded effect).
/// </summary>
public sealed class OpsExportMailHandler(IExportBlobReader blobs, IMailSender mail, IOptions<MailOptions> options, TimeProvider time, ILogger<OpsExportMailHandler> log) : IOutboxHandler
{
    public const string KindName = "ops.deliver-export";
    public string Kind => KindName;

    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var export = ExportDelivery.Parse(context.Action.Payload);
        var effectKey = $"opsExport.{export.Key}.mailedAt";
        if (context.Effects.ContainsKey(effectKey)) return OutboxOutcome.Done("skipped: export already mailed");

        var o = options.Value;
        var recipients = o.Ops();
        if (recipients.Count == 0) throw new PermanentOutboxException("No ops recipients: set AutoResponder:Mail:OpsRecipients or AutoResponder:Mail:FallbackAddress.");

        MailAttachment? attachment = null;
        if (export.BlobName is { } blobName && (export.SizeBytes is null || export.SizeBytes <= o.MaxAttachmentBytes))
        {
            var bytes = await blobs.ReadAsync(blobName, ct);
            if (bytes is not null && bytes.Length <= o.MaxAttachmentBytes)
                attachment = new MailAttachment(Path.GetFileName(blobName), "text/csv", bytes);
            else if (bytes is null && export.Url is null)
                throw new InvalidOperationException($"Export blob '{blobName}' was not found and the payload has no url.");
        }
        if (attachment is null && export.Url is null)
            throw new PermanentOutboxException($"Export '{export.BlobName}' is larger than {o.MaxAttachmentBytes} bytes and the payload has no url to link.");

        var incident = context.Incident;
        var subject = $"[{incident.SeverityName}] {incident.Id}: affected orders export{(export.Rows is { } r ? $" ({r} rows)" : "")}";
        var facts = new List<(string, string)>
        {
            ("Incident", $"{incident.Id}: {incident.Title}"),
            ("Status", incident.Status.ToApi()),
            ("Rows", export.Rows?.ToString(CultureInfo.InvariantCulture) ?? "unknown"),
            ("Size", export.SizeBytes is { } size ? $"{size:N0} bytes" : attachment is null ? "unknown" : $"{attachment.Bytes.Length:N0} bytes"),
            ("Snapshot", export.SnapshotId ?? "—"),
        };
        var delivery = attachment is not null ? $"The CSV is attached ({attachment.Name})." : $"Download the CSV: {export.Url}";
        if (attachment is null && export.ExpiresAt is { } expires) delivery += $" (link valid until {StatusEmailRenderer.Time(expires)})";

        var html = "<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Arial,sans-serif;font-size:14px\"><h2>Affected orders export</h2><table>"
            + string.Concat(facts.Select(f => $"<tr><th style=\"text-align:left;padding-right:12px\">{WebUtility.HtmlEncode(f.Item1)}</th><td>{WebUtility.HtmlEncode(f.Item2)}</td></tr>"))
            + "</table><p>" + (attachment is not null
                ? WebUtility.HtmlEncode(delivery)
                : $"<a href=\"{WebUtility.HtmlEncode(export.Url!)}\">Download the CSV</a>{(export.ExpiresAt is { } e ? WebUtility.HtmlEncode($" (link valid until {StatusEmailRenderer.Time(e)})") : "")}")
            + "</p></body></html>";
        var text = string.Join('\n', facts.Select(f => $"{f.Item1}: {f.Item2}")) + "\n\n" + delivery + "\n";

        var message = attachment is null
            ? MailMessage.Create(o.SenderMailbox, recipients, subject, html, text)
            : MailMessage.Create(o.SenderMailbox, recipients, subject, html, text, attachment);
        await mail.SendAsync(message, ct);
        log.LogInformation("Export {Snapshot} for {IncidentId} mailed to ops ({How})", export.SnapshotId, incident.Id, attachment is null ? "link" : "attachment");
        var how = attachment is null ? "as a link" : "attached";
        return new OutboxOutcome(
            Result: $"export mailed {how} to {string.Join(", ", recipients)}",
            Effects: new Dictionary<string, string> { [effectKey] = time.GetUtcNow().ToString("o", CultureInfo.InvariantCulture) },
            TimelineText: $"Affected-orders export mailed to operations {how} ({string.Join(", ", recipients)}).");
    }
}
