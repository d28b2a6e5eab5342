using System.Net;
using AutoResponder.Graph;
using AutoResponder.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Mail;

/// <summary>
/// Emails AutoResponder:Mail:FallbackAddress when Teams posting waits for the Graph sign-in — at most once per
/// <see cref="Interval"/> across all instances (a claim row in the index table, taken under its ETag). Sending
/// is best effort: the waiting action and the error log stay the record.
/// </summary>
internal sealed class MailSignInAlarm(IMailSender mail, IOptions<MailOptions> options, StorageClients storage,
    TimeProvider time, ILogger<MailSignInAlarm> log)
    : ISignInAlarm
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(4);
    private const string Partition = "alarms";
    private const string Row = "graph-sign-in";

    public async Task RaiseAsync(string incidentId, string waitingFor, CancellationToken ct)
    {
        var to = options.Value.FallbackAddress;
        if (string.IsNullOrWhiteSpace(to)) return;
        try
        {
            if (!await ClaimAsync(ct)) return;
            var subject = "[AutoResponder] Teams updates are waiting: the Graph service account must sign in again";
            var text = $"Teams {waitingFor} for {incidentId} (and any other incident) is waiting because the " +
                $"Microsoft Graph service account " +
                       $"is not signed in or its sign-in expired. Nothing is lost: the actions stay in the outbox " +
                       $"and are retried.\n\n" +
                       $"Fix: {ServiceAccountCredential.LoginHint}\n\nYou will get this at most every " +
                       $"{Interval.TotalHours:0} hours while it lasts.";
            var html = $"<p>{WebUtility.HtmlEncode(text).Replace("\n\n", "</p><p>")}</p>";
            await mail.SendAsync(MailMessage.Create(options.Value.SenderMailbox, [to], subject, html, text), ct);
            log.LogWarning("Sign-in alarm mailed to {FallbackAddress} for {IncidentId}", to, incidentId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Could not mail the Graph sign-in alarm to {FallbackAddress}", to);
        }
    }

    /// <summary>True for the one caller (on any instance) that may send now.</summary>
    private async Task<bool> ClaimAsync(CancellationToken ct)
    {
        var table = storage.IncidentIndex;
        var now = time.GetUtcNow();
        var seen = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: ct);
        var last = seen.HasValue ? seen.Value : null;
        if (last?.GetDateTimeOffset("SentAt") > now - Interval) return false;
        var claim = new TableEntity(Partition, Row) { ["SentAt"] = now };
        try
        {
            if (last is not null) await table.UpdateEntityAsync(claim, last.ETag, TableUpdateMode.Replace, ct);
            else await table.AddEntityAsync(claim, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false; // another instance sent it
        }
    }
}
