using System.Globalization;
using System.Text;

namespace AutoResponder.Graph;

/// <summary>
/// A mail or Teams subject made safe from alert text: one line (CR, LF, tab and other control characters become
/// spaces, NUL and the like vanish), no bidirectional overrides or invisible format characters (U+202E could make
/// a subject read backwards), runs of spaces collapsed, at most <see cref="MaxLength"/> characters.
/// </summary>
internal static class SubjectLine
{
    public const int MaxLength = 255;

    public static string? Clean(string? subject)
    {
        if (subject is null) return null;
        var b = new StringBuilder(Math.Min(subject.Length, MaxLength + 16));
        var space = false;
        foreach (var c in subject)
        {
            var category = char.GetUnicodeCategory(c);
            if (c is '\r' or '\n' or '\t' || char.IsWhiteSpace(c) || category == UnicodeCategory.LineSeparator
                || category == UnicodeCategory.ParagraphSeparator)
            {
                space = b.Length > 0;
                continue;
            }
            // Cc: control characters (NUL, ESC, DEL, C1); Cf: format characters (bidi overrides and isolates,
            // zero-width, BOM).
            if (category is UnicodeCategory.Control or UnicodeCategory.Format) continue;
            if (space) { b.Append(' '); space = false; }
            b.Append(c);
            if (b.Length >= MaxLength + 1) break;
        }
        var text = b.ToString();
        if (text.Length <= MaxLength) return text;
        var cut = char.IsHighSurrogate(text[MaxLength - 2]) ? MaxLength - 2 : MaxLength - 1; // never split an emoji
        return text[..cut] + "…";
    }
}
