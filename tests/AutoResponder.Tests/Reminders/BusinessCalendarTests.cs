using AutoResponder.Reminders;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.Reminders;

public sealed class BusinessCalendarTests
{
    private static BusinessCalendar Amsterdam() => new(Options.Create(new ReminderOptions { TimeZone = "Europe/Amsterdam", WorkingHours = "09:00-17:00" }));
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void Friday_afternoon_plus_one_is_Monday_afternoon()
    {
        // Fri 2026-11-27 15:00 CET (14:00Z) → Mon 2026-11-30 15:00 CET
        Assert.Equal(Utc(2026, 11, 30, 14), Amsterdam().AddBusinessDays(Utc(2026, 11, 27, 14), 1));
    }

    [Fact]
    public void Weekend_and_after_hours_start_at_the_next_working_morning()
    {
        var calendar = Amsterdam();
        Assert.Equal(Utc(2026, 12, 1, 8), calendar.AddBusinessDays(Utc(2026, 11, 28, 11), 1)); // Sat → Mon 09:00 → Tue 09:00 CET
        Assert.Equal(Utc(2026, 11, 30, 8), calendar.AddBusinessDays(Utc(2026, 11, 26, 19), 1)); // Thu 20:00 → Fri 09:00 → Mon 09:00
        Assert.Equal(Utc(2026, 11, 27, 8), calendar.AddBusinessDays(Utc(2026, 11, 26, 5), 1));  // Thu 06:00 → Thu 09:00 → Fri 09:00
    }

    [Fact]
    public void Five_business_days_span_a_weekend()
    {
        var time = new FakeTimeProvider(Utc(2026, 11, 23, 9, 30)); // Mon 10:30 CET
        Assert.Equal(Utc(2026, 11, 30, 9, 30), Amsterdam().AddBusinessDays(time.GetUtcNow(), 5));
        time.Advance(TimeSpan.FromDays(2)); // Wed
        Assert.Equal(Utc(2026, 12, 2, 9, 30), Amsterdam().AddBusinessDays(time.GetUtcNow(), 5));
    }

    [Fact]
    public void The_local_time_is_kept_across_the_spring_daylight_saving_change()
    {
        // Fri 2026-03-27 15:00 CET (UTC+1) → Mon 2026-03-30 15:00 CEST (UTC+2) = 13:00Z
        Assert.Equal(Utc(2026, 3, 30, 13), Amsterdam().AddBusinessDays(Utc(2026, 3, 27, 14), 1));
    }

    [Fact]
    public void The_local_time_is_kept_across_the_autumn_daylight_saving_change()
    {
        // Fri 2026-10-23 15:00 CEST (UTC+2) → Mon 2026-10-26 15:00 CET (UTC+1) = 14:00Z
        Assert.Equal(Utc(2026, 10, 26, 14), Amsterdam().AddBusinessDays(Utc(2026, 10, 23, 13), 1));
    }

    [Fact]
    public void A_due_time_inside_the_spring_gap_moves_past_it()
    {
        // Working hours from 02:30: Sunday 2026-03-29 02:30 does not exist in Amsterdam; a 7-day week makes Sunday a working day.
        var calendar = new BusinessCalendar(Options.Create(new ReminderOptions
        {
            TimeZone = "Europe/Amsterdam",
            WorkingHours = "02:30-17:00",
            WorkingDays = "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
        }));
        var due = calendar.AddBusinessDays(Utc(2026, 3, 28, 1, 30), 1); // Sat 02:30 CET → Sun 02:30 (gap) → 03:00 CEST
        Assert.Equal(Utc(2026, 3, 29, 1), due);
    }

    [Fact]
    public void Bad_settings_are_named()
    {
        var result = new ReminderOptionsValidator().Validate(null, new ReminderOptions { TimeZone = "Mars/Olympus", WorkingHours = "9-5", WorkingDays = "Funday", EscalationBusinessDays = 1 });
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:Reminders:TimeZone 'Mars/Olympus'"));
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:Reminders:WorkingHours"));
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:Reminders:WorkingDays"));
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:Reminders:EscalationBusinessDays"));
        Assert.True(new ReminderOptionsValidator().Validate(null, new ReminderOptions()).Succeeded);
    }
}
