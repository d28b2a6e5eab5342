using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>
/// Business days in the team's time zone. "+N business days" keeps the local time of day (moved into
/// working hours first: before the start → that day's start; after the end or on a day off → the next
/// working day's start) and steps over days off; the wall-clock result is converted to UTC with the
/// zone's rules, so a due date across a daylight-saving change keeps its local time.
/// </summary>
public sealed class BusinessCalendar
{
    private readonly TimeZoneInfo _zone;
    private readonly TimeSpan _start, _end;
    private readonly HashSet<DayOfWeek> _days;

    public BusinessCalendar(IOptions<ReminderOptions> options)
    {
        var o = options.Value;
        _zone = TimeZoneInfo.FindSystemTimeZoneById(o.TimeZone);
        (_start, _end) = o.Hours();
        _days = o.Days();
    }

    public TimeZoneInfo Zone => _zone;

    public DateTimeOffset AddBusinessDays(DateTimeOffset from, int days)
    {
        var local = TimeZoneInfo.ConvertTime(from, _zone).DateTime; // wall clock, Kind Unspecified
        if (!_days.Contains(local.DayOfWeek) || local.TimeOfDay >= _end) local = NextWorkingDay(local.Date) + _start;
        else if (local.TimeOfDay < _start) local = local.Date + _start;
        for (var i = 0; i < days; i++) local = NextWorkingDay(local.Date) + local.TimeOfDay;
        return ToUtc(local);
    }

    /// <summary>
    /// The start of working hours on <paramref name="at"/>'s local date (for "on the due date" reminders).
    /// </summary>
    public DateTimeOffset DayStart(DateTimeOffset at)
        => ToUtc(TimeZoneInfo.ConvertTime(at, _zone).DateTime.Date + _start);

    /// <summary>
    /// The start of the working day before <paramref name="at"/>'s local date (for "the day before" reminders).
    /// </summary>
    public DateTimeOffset PreviousBusinessDayStart(DateTimeOffset at)
    {
        var date = TimeZoneInfo.ConvertTime(at, _zone).DateTime.Date.AddDays(-1);
        while (!_days.Contains(date.DayOfWeek)) date = date.AddDays(-1);
        return ToUtc(date + _start);
    }

    /// <summary>
    /// The local wall-clock time of <paramref name="at"/>, for display ("Mon 30 Mar 15:00 CEST" style).
    /// </summary>
    public string Describe(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, _zone);
        return $"{local:ddd d MMM yyyy HH:mm} ({_zone.Id})";
    }

    private DateTime NextWorkingDay(DateTime date)
    {
        var next = date.AddDays(1);
        while (!_days.Contains(next.DayOfWeek)) next = next.AddDays(1);
        return next;
    }

    private DateTimeOffset ToUtc(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        // inside a spring-forward gap: the first valid time after it
        while (_zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, _zone), TimeSpan.Zero);
    }
}
