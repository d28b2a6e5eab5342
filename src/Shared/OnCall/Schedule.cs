namespace AutoResponder.OnCall;

public enum ShiftLength { Daily, Weekly }

/// <summary>
/// A rotation: <see cref="Members"/> take turns, handing off at <see cref="HandOff"/> local time in
/// <see cref="TimeZone"/> (an IANA id such as "Europe/Berlin"), every day or every week, starting with the first member
/// on <see cref="Start"/>. Hand-offs happen at the local wall-clock time, so they stay at 09:00 across daylight-saving
/// changes.
/// </summary>
public sealed record Rotation(IReadOnlyList<string> Members, DateOnly Start, TimeOnly HandOff, ShiftLength Length,
    TimeZoneInfo TimeZone);

/// <summary>
/// Someone covering a schedule from <see cref="From"/> until <see cref="To"/> (UTC instants): wins over the rotation.
/// </summary>
public sealed record ScheduleOverride(string Person, DateTimeOffset From, DateTimeOffset To);

/// <summary>One stretch of time with one person on call.</summary>
public sealed record Shift(string Person, DateTimeOffset From, DateTimeOffset To);

/// <summary>A named schedule: a rotation and its overrides. "Who is on call at t" is a pure function of it.</summary>
public sealed record Schedule(string Name, Rotation Rotation, IReadOnlyList<ScheduleOverride> Overrides)
{
    /// <summary>
    /// Who is on call at <paramref name="at"/>: the last declared override covering it, else the rotation's member.
    /// </summary>
    public string OnCallAt(DateTimeOffset at)
    {
        for (var i = Overrides.Count - 1; i >= 0; i--)
            if (Overrides[i].From <= at && at < Overrides[i].To) return Overrides[i].Person;
        return Rotation.Members[RotationIndex(at)];
    }

    /// <summary>
    /// Who is on call from <paramref name="from"/> to <paramref name="to"/>, as consecutive shifts (hand-offs and
    /// overrides cut them).
    /// </summary>
    public IReadOnlyList<Shift> Shifts(DateTimeOffset from, DateTimeOffset to)
    {
        var shifts = new List<Shift>();
        var at = from;
        while (at < to && shifts.Count < 10_000)
        {
            var person = OnCallAt(at);
            var next = NextBoundary(at);
            while (next < to && OnCallAt(next) == person) next = NextBoundary(next);
            var end = next < to ? next : to;
            shifts.Add(new Shift(person, at, end));
            at = end;
        }
        return shifts;
    }

    /// <summary>
    /// The next time someone else takes over after <paramref name="at"/>, and who (null when nobody ever does).
    /// </summary>
    public Shift? Next(DateTimeOffset at, TimeSpan horizon)
    {
        var now = OnCallAt(at);
        var shifts = Shifts(at, at + horizon);
        return shifts.FirstOrDefault(s => s.Person != now && s.From > at);
    }

    /// <summary>
    /// The first instant after <paramref name="at"/> where the answer may change: a hand-off or an override's edge.
    /// </summary>
    private DateTimeOffset NextBoundary(DateTimeOffset at)
    {
        var next = NextHandOff(at);
        foreach (var o in Overrides)
        {
            if (o.From > at && o.From < next) next = o.From;
            if (o.To > at && o.To < next) next = o.To;
        }
        return next;
    }

    /// <summary>
    /// Index of the rotation member on call at <paramref name="at"/> (local calendar days since the start, in whole
    /// shifts).
    /// </summary>
    public int RotationIndex(DateTimeOffset at)
    {
        var shift = ShiftNumber(at);
        var n = Rotation.Members.Count;
        return (int)(((shift % n) + n) % n);
    }

    private long ShiftNumber(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Rotation.TimeZone).DateTime;
        var day = DateOnly.FromDateTime(local);
        // before today's hand-off: yesterday's shift
        if (TimeOnly.FromDateTime(local) < Rotation.HandOff) day = day.AddDays(-1);
        long days = day.DayNumber - Rotation.Start.DayNumber;
        var length = Rotation.Length == ShiftLength.Weekly ? 7 : 1;
        return (long)Math.Floor(days / (double)length);
    }

    /// <summary>The next rotation hand-off after <paramref name="at"/>, as a UTC instant.</summary>
    public DateTimeOffset NextHandOff(DateTimeOffset at)
    {
        var length = Rotation.Length == ShiftLength.Weekly ? 7 : 1;
        var next = Rotation.Start.AddDays((int)((ShiftNumber(at) + 1) * length));
        return ToInstant(next, Rotation.HandOff, Rotation.TimeZone);
    }

    /// <summary>
    /// A local date and time in a zone as an instant. A time skipped by a daylight-saving change (02:30 on the spring
    /// change) is the first instant after the gap; a repeated one (the autumn change) is its first occurrence.
    /// </summary>
    public static DateTimeOffset ToInstant(DateOnly date, TimeOnly time, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(1);
        if (zone.IsAmbiguousTime(local))
        {
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
