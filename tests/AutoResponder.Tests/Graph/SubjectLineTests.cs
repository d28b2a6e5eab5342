using AutoResponder.Graph;
using AutoResponder.Mail;

namespace AutoResponder.Tests.Graph;

public class SubjectLineTests
{
    [Theory]
    [InlineData("Checkout down\r\nBcc: evil@example.com", "Checkout down Bcc: evil@example.com")]
    [InlineData("NUL\0byte and\tTAB", "NULbyte and TAB")]
    [InlineData("Invoice \u202Egpj.exe", "Invoice gpj.exe")]
    [InlineData("zero\u200Bwidth \u2066isolate\u2069 \uFEFFbom", "zerowidth isolate bom")]
    [InlineData("  spaced   out  ", "spaced out")]
    [InlineData("emoji 🔥 stays", "emoji 🔥 stays")]
    public void Control_and_bidi_characters_are_removed_and_lines_joined(string raw, string clean) =>
        Assert.Equal(clean, SubjectLine.Clean(raw));

    [Fact]
    public void A_long_subject_is_cut_to_the_limit()
    {
        var clean = SubjectLine.Clean(new string('x', 40_000))!;
        Assert.Equal(SubjectLine.MaxLength, clean.Length);
        Assert.EndsWith("…", clean);
    }

    [Fact]
    public void Every_mail_sent_through_Graph_carries_a_clean_subject()
    {
        var message = MailMessage.Create("ops@shop.example", ["boss@shop.example"], "[Sev1] INC-1: Title\r\nX-Injected: yes\u202E", "<p>x</p>", "x");
        Assert.Equal("[Sev1] INC-1: Title X-Injected: yes", GraphMailSender.ToGraph(message).Subject);
    }
}
