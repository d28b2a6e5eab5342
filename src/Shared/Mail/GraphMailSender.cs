using AutoResponder.Hosting;
using AutoResponder.Outbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.SendMail;

namespace AutoResponder.Mail;

/// <summary>
/// Sends mail with Graph's <c>POST /users/{mailbox}/sendMail</c>. Graph takes one body per message, so the
/// HTML is sent and the plain-text rendering stays with the caller (logs, file outbox). A 4xx other than
/// 408/429 is permanent (bad address, missing Mail.Send, mailbox outside the access policy); the Graph
/// client's middleware already retried 429/503/504 with Retry-After, so anything left is retried by the outbox.
/// </summary>
internal sealed class GraphMailSender(GraphServiceClient client, IntegrationSettings<MailOptions> settings,
    ILogger<GraphMailSender> log) : IMailSender
{
    private readonly IOptions<MailOptions> options = settings.Options;

    public async Task<string?> SendAsync(MailMessage message, CancellationToken ct)
    {
        settings.ThrowIfNotReady(); // a mail setting is missing or broken: the action waits, spending no attempt
        var body = new SendMailPostRequestBody
        {
            Message = ToGraph(message),
            SaveToSentItems = options.Value.SaveToSentItems,
        };
        try
        {
            await client.Users[message.From].SendMail.PostAsync(body, cancellationToken: ct);
        }
        catch (ODataError e) when (e.ResponseStatusCode is >= 400 and < 500 and not 408 and not 429)
        {
            throw new PermanentOutboxException($"Graph refused the mail from {message.From} ({e.ResponseStatusCode} " +
                $"{e.Error?.Code}): {e.Error?.Message ?? e.Message}", e);
        }
        log.LogInformation("Mail sent from {Sender} to {Recipients}: {Subject}", message.From,
            string.Join(", ", message.To.Concat(message.Cc)), message.Subject);
        return null;
    }

    public static Message ToGraph(MailMessage m) => new()
    {
        Subject = AutoResponder.Graph.SubjectLine.Clean(m.Subject),
        Body = new ItemBody { ContentType = BodyType.Html, Content = m.Html },
        ToRecipients = m.To.Select(Recipient).ToList(),
        CcRecipients = m.Cc.Select(Recipient).ToList(),
        Attachments = m.Attachments.Count == 0 ? null : m.Attachments.Select(a => (Attachment)new FileAttachment
        {
            OdataType = "#microsoft.graph.fileAttachment",
            Name = a.Name,
            ContentType = a.ContentType,
            ContentBytes = a.Bytes,
        }).ToList(),
    };

    private static Recipient Recipient(string address) => new() { EmailAddress = new EmailAddress { Address = address } };
}
