namespace AutoResponder.Impact;

/// <summary>
/// The export's formula-injection escape, as CsvHelper writes it (<see cref="CsvHelper.CsvInjection.Escape"/>): a text
/// cell that begins with = + - @ tab or CR gets a leading apostrophe, which spreadsheets read as "this is text".
/// </summary>
internal static class CsvCells
{
    public const char Escape = '\'';

    public static bool IsTrigger(char c) => c is '=' or '+' or '-' or '@' or '\t' or '\r';

    /// <summary>The original text of an escaped cell.</summary>
    public static string Restore(string cell) =>
        cell.Length >= 2 && cell[0] == Escape && IsTrigger(cell[1]) ? cell[1..] : cell;
}
