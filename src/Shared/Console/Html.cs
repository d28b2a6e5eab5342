using System.Globalization;
using System.Net;
using System.Text;

namespace AutoResponder.WebConsole;

/// <summary>
/// Builds HTML by appending literal markup and encoded values. Every value that did not come from this file
/// (alert titles, owners, status text, ids) goes through <see cref="Text"/> or <see cref="Attr"/>, so text an
/// alert provides is always shown as text, never interpreted as markup.
/// </summary>
public sealed class Html
{
    private readonly StringBuilder _sb = new(16 * 1024);

    /// <summary>Trusted markup written by the console itself.</summary>
    public Html Raw(string markup) { _sb.Append(markup); return this; }

    /// <summary>A value as element text.</summary>
    public Html Text(string? value) { _sb.Append(Encode(value)); return this; }

    /// <summary>A value as a double-quoted attribute value.</summary>
    public Html Attr(string? value) { _sb.Append(Encode(value)); return this; }

    public static string Encode(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string IsoTime(DateTimeOffset at)
        => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>"2 h 05 min", "3 d 4 h".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalDays >= 1) return $"{(int)span.TotalDays} d {span.Hours} h";
        if (span.TotalHours >= 1) return $"{(int)span.TotalHours} h {span.Minutes:D2} min";
        return $"{(int)span.TotalMinutes} min";
    }

    public override string ToString() => _sb.ToString();
}
