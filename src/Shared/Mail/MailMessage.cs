namespace AutoResponder.Mail;

/// <summary>A file attached to a mail (CSV export, …).</summary>
internal sealed record MailAttachment(string Name, string ContentType, byte[] Bytes);

/// <summary>
/// One outgoing email. <see cref="Html"/> is what recipients see; <see cref="Text"/> is the plain-text
/// rendering of the same content: Graph's sendMail accepts one body only, so the text goes to logs,
/// the file outbox and any future transport (SMTP) that can send multipart/alternative.
/// </summary>
internal sealed record MailMessage(
    string From,
    IReadOnlyList<string> To,
    IReadOnlyList<string> Cc,
    string Subject,
    string Html,
    string Text,
    IReadOnlyList<MailAttachment> Attachments)
{
    public static MailMessage Create(string from, IReadOnlyList<string> to, string subject, string html, string text,
        params MailAttachment[] attachments) =>
        new(from, to, [], subject, html, text, attachments);
}

/// <summary>Sends mail. Returns the transport's message id when it has one (Graph's sendMail does not).</summary>
internal interface IMailSender
{
    Task<string?> SendAsync(MailMessage message, CancellationToken ct);
}
