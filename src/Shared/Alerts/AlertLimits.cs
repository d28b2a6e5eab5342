namespace AutoResponder.Alerts;

/// <summary>
/// Bounds on a normalised <see cref="Alert"/>, sized so an alert, its incident row and its timeline entries fit
/// Azure Table storage (a string property holds at most 64 KiB = 32,768 UTF-16 characters, an entity 1 MiB).
/// A delivery with any alert out of bounds is rejected whole (413 for too many alerts, 422 for a field) before
/// anything is stored. The problem's field is the alert's field in the source format where one maps to it
/// (<c>alerts[1].labels</c>, <c>data.essentials.firedDateTime</c>, <c>title</c>).
/// </summary>
internal static class AlertLimits
{
    // record-v2 files bulk deliveries (2,000 alerts tested); the body cap bounds it too
    public const int MaxAlertsPerDelivery = 5000;
    public const int MaxTitle = 1024;
    public const int MaxDescription = 16 * 1024;
    /// <summary>Ids and keys: fingerprint, source alert id, dedup key, service, rule.</summary>
    public const int MaxKey = 1024;
    public const int MaxLabels = 200;
    public const int MaxLabelName = 256;
    public const int MaxLabelValue = 4096;
    /// <summary>All label names and values together (stored as one JSON property).</summary>
    public const int MaxLabelChars = 16 * 1024;
    public const int MaxLinks = 50;
    public const int MaxLinkTitle = 256;
    public const int MaxLinkUrl = 8192;
    public const int MaxLinkChars = 24 * 1024;
    /// <summary>
    /// Earliest accepted start or end (Alertmanager's zero time 0001-01-01 means "not ended" and is read as absent).
    /// </summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    /// <summary>How far in the future a time may lie (clock skew between the sender and us).</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(1);

    /// <summary>Throws <see cref="AlertPayloadException"/> (413/422) for the first alert out of bounds.</summary>
    public static void Check(IReadOnlyList<Alert> alerts, string format, DateTimeOffset now)
    {
        if (alerts.Count > MaxAlertsPerDelivery)
            throw new AlertPayloadException(413, "alerts",
                $"The delivery carries {alerts.Count} alerts; the most accepted at once is {MaxAlertsPerDelivery}. Split it.");
        for (var i = 0; i < alerts.Count; i++) CheckOne(alerts[i], Paths.For(format, i), now);
    }

    private static void CheckOne(Alert a, Paths p, DateTimeOffset now)
    {
        Length(a.Title, MaxTitle, p.Title);
        Length(a.Description, MaxDescription, p.Description);
        Length(a.Fingerprint, MaxKey, p.Fingerprint);
        Length(a.SourceAlertId, MaxKey, p.Fingerprint);
        Length(a.DedupKey, MaxKey, p.DedupKey);
        Length(a.Service, MaxKey, p.Service);
        Length(a.Rule, MaxKey, p.Rule);

        if (a.Labels.Count > MaxLabels)
            throw AlertPayloadException.Invalid(p.Labels,
                $"'{p.Labels}' has {a.Labels.Count} labels; the most accepted is {MaxLabels}.");
        var labelChars = 0;
        foreach (var (name, value) in a.Labels)
        {
            Length(name, MaxLabelName, $"{p.Labels}.{Shorten(name, 40)}");
            Length(value, MaxLabelValue, $"{p.Labels}.{Shorten(name, 40)}");
            labelChars += name.Length + value.Length;
        }
        if (labelChars > MaxLabelChars)
            throw AlertPayloadException.Invalid(p.Labels,
                $"'{p.Labels}' holds {labelChars} characters of names and values; the most accepted is " +
                $"{MaxLabelChars}.");

        if (a.Links.Count > MaxLinks)
            throw AlertPayloadException.Invalid(p.Links,
                $"'{p.Links}' has {a.Links.Count} links; the most accepted is {MaxLinks}.");
        var linkChars = 0;
        for (var i = 0; i < a.Links.Count; i++)
        {
            Length(a.Links[i].Title, MaxLinkTitle, p.Link(i));
            Length(a.Links[i].Url, MaxLinkUrl, p.Link(i));
            linkChars += a.Links[i].Title.Length + a.Links[i].Url.Length;
        }
        if (linkChars > MaxLinkChars)
            throw AlertPayloadException.Invalid(p.Links,
                $"'{p.Links}' hold {linkChars} characters; the most accepted is {MaxLinkChars}.");

        Date(a.StartsAt, p.StartsAt, now);
        if (a.EndsAt is { } ends) Date(ends, p.EndsAt, now);
    }

    private static void Length(string? text, int max, string path)
    {
        if (text is not null && text.Length > max)
            throw AlertPayloadException.Invalid(path,
                $"'{path}' is {text.Length} characters long; the most accepted is {max}.");
    }

    private static void Date(DateTimeOffset at, string path, DateTimeOffset now)
    {
        if (at < Earliest || at > now + MaxAhead)
            throw AlertPayloadException.Invalid(path,
                $"'{path}' is {at:yyyy-MM-ddTHH:mm:ssZ}; it must lie between {Earliest:yyyy-MM-dd} and a day from now.");
    }

    /// <summary>
    /// Cuts a composed text (an Azure title built from rule and context) to <paramref name="max"/> characters, with an
    /// ellipsis.
    /// </summary>
    public static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    public static string? ShortenOrNull(string? text, int max) => text is null ? null : Shorten(text, max);

    /// <summary>Where each normalised field comes from in a source format.</summary>
    private sealed record Paths(string Title, string Description, string Fingerprint, string DedupKey, string Service,
        string Rule,
        string Labels, string Links, string StartsAt, string EndsAt)
    {
        public string Link(int i) => Links.EndsWith(']') || !Links.Contains("links") ? Links : $"{Links}[{i}]";

        public static Paths For(string format, int index) => format switch
        {
            "azure-monitor" => new("data.essentials.alertRule", "data.essentials.description",
                "data.essentials.alertId", "data.essentials.alertId",
                "data.essentials.alertTargetIDs", "data.essentials.alertRule", "data.alertContext.labels",
                "data.alertContext",
                "data.essentials.firedDateTime", "data.essentials.resolvedDateTime"),
            "alertmanager" => new($"alerts[{index}].annotations.summary", $"alerts[{index}].annotations.description",
                $"alerts[{index}].fingerprint",
                $"alerts[{index}].labels.dedup_key", $"alerts[{index}].labels.service",
                $"alerts[{index}].labels.alertname",
                $"alerts[{index}].labels", $"alerts[{index}]", $"alerts[{index}].startsAt", $"alerts[{index}].endsAt"),
            _ => new("title", "description", "dedupKey", "dedupKey", "service", "rule", "labels", "links", "startsAt",
                "endsAt"),
        };
    }
}
