namespace AutoResponder.Alerts;

/// <summary>Collects links, skipping blanks and duplicates (by URL), keeping the first title seen.</summary>
internal sealed class AlertLinkList
{
    private readonly List<AlertLink> _links = [];

    public AlertLinkList Add(string title, string? url)
    {
        if (!string.IsNullOrWhiteSpace(url) && !_links.Any(l => l.Url == url)) _links.Add(new AlertLink(title, url));
        return this;
    }

    public IReadOnlyList<AlertLink> ToList() => _links.ToArray();
}
