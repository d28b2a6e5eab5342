using System.Net;
using System.Text;
using AutoResponder.Mail;
using AutoResponder.Outbox;
using AutoResponder.Tests.Graph;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoResponder.Tests.StatusEmails;

public sealed class GraphMailSenderTests
{
    private static GraphMailSender Sender(FakeGraphHandler graph, bool saveToSent = true) =>
        new(graph.Client(), new AutoResponder.Hosting.IntegrationSettings<MailOptions>(MailOptions.Area, MailOptions.Effect, Options.Create(new MailOptions { SaveToSentItems = saveToSent }), []),
            NullLogger<GraphMailSender>.Instance);

    [Fact]
    public async Task Posts_sendMail_on_the_sending_mailbox_with_html_recipients_and_attachment()
    {
        var graph = new FakeGraphHandler();
        var csv = Encoding.UTF8.GetBytes("orderId,amount\n1,10.00\n");
        var message = new MailMessage("incidents@contoso.com", ["boss@contoso.com", "cto@contoso.com"], ["owner@contoso.com"],
            "Subject <1>", "<p>Hello</p>", "Hello", [new MailAttachment("orders.csv", "text/csv", csv)]);

        await Sender(graph, saveToSent: false).SendAsync(message, default);

        var request = Assert.Single(graph.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/v1.0/users/incidents@contoso.com/sendMail", request.Path);
        Assert.False(request.Json!["SaveToSentItems"]!.GetValue<bool>());
        Assert.Equal("Subject <1>", request.Subject);
        Assert.Equal("html", request.Message.GetProperty("body").GetProperty("contentType").GetString());
        Assert.Equal("<p>Hello</p>", request.Html);
        Assert.Equal(["boss@contoso.com", "cto@contoso.com"], request.To);
        Assert.Equal(["owner@contoso.com"], request.Cc);
        var attachment = Assert.Single(request.Message.GetProperty("attachments").EnumerateArray());
        Assert.Equal("#microsoft.graph.fileAttachment", attachment.GetProperty("@odata.type").GetString());
        Assert.Equal("orders.csv", attachment.GetProperty("name").GetString());
        Assert.Equal("text/csv", attachment.GetProperty("contentType").GetString());
        Assert.Equal(csv, Convert.FromBase64String(attachment.GetProperty("contentBytes").GetString()!));
    }

    [Fact]
    public async Task A_throttled_request_is_retried_by_the_graph_middleware()
    {
        var graph = new FakeGraphHandler();
        graph.Then(_ => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { { "Retry-After", "1" } } });

        await Sender(graph).SendAsync(MailMessage.Create("a@contoso.com", ["b@contoso.com"], "s", "<p>h</p>", "h"), default);

        Assert.Equal(2, graph.SendMails.Count);
        Assert.True(graph.SendMails[1].Json!["SaveToSentItems"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_refused_mail_is_a_permanent_failure()
    {
        var graph = new FakeGraphHandler();
        graph.Then(_ => new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("""{"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}""", Encoding.UTF8, "application/json"),
        });

        var e = await Assert.ThrowsAsync<PermanentOutboxException>(() =>
            Sender(graph).SendAsync(MailMessage.Create("a@contoso.com", ["b@contoso.com"], "s", "<p>h</p>", "h"), default));
        Assert.Contains("ErrorAccessDenied", e.Message);
    }
}
