using AutoResponder.Incidents;
using AutoResponder.Reminders;

namespace AutoResponder.Tests.Reminders;

public class PostmortemMarkdownTests
{
    [Fact]
    public void Text_from_people_and_alerts_cannot_inject_HTML_headings_or_table_cells()
    {
        var at = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
        var incident = new IncidentRecord
        {
            Id = "INC-20261126-AB12",
            PartitionKey = "INC-20261126-AB12",
            Title = "<script>alert(1)</script> | checkout",
            StatusText = "rolled back\n# Hacked heading\n<img src=x onerror=alert(1)>",
            OpenedAt = at,
        };
        var entry = new TimelineEntry { At = at, Kind = "status", Actor = "mallory", Text = "fine\n\n## Injected\n| a | b |" };

        var markdown = PostmortemDraft.Render(new IncidentDetails(incident, [entry], [], []), [], at, null);

        Assert.DoesNotContain("<script>", markdown);
        Assert.DoesNotContain("<img", markdown);
        Assert.Contains("&lt;script&gt;", markdown);
        var headings = markdown.Split('\n').Where(l => l.StartsWith('#')).ToList();
        Assert.DoesNotContain(headings, h => h.Contains("Hacked") || h.Contains("Injected"));
        Assert.Contains(@"\# Hacked heading", markdown);
        Assert.Contains(@"fine  \#\# Injected \| a \| b \|", markdown);
    }

    [Theory]
    [InlineData("a_b*c`d", @"a\_b\*c\`d")]
    [InlineData("line1\r\nline2", "line1  line2")]
    [InlineData("[link](javascript:x)", @"\[link\](javascript:x)")]
    public void Cells_escape_markdown(string raw, string escaped) => Assert.Equal(escaped, PostmortemDraft.Cell(raw));
}
