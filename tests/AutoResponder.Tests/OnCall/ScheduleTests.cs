using AutoResponder.OnCall;

namespace AutoResponder.Tests.OnCall;

public sealed class ScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static Schedule Daily(params ScheduleOverride[] overrides) =>
        new("primary", new Rotation(["ana", "ben", "cem"], new DateOnly(2026, 3, 27), new TimeOnly(9, 0), ShiftLength.Daily, Berlin), overrides);

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Hand_off_stays_at_nine_local_time_across_the_spring_daylight_saving_change()
    {
        var s = Daily();
        // 2026-03-28 09:00 in Berlin is 08:00 UTC (CET); on the 29th clocks go forward, so 09:00 is 07:00 UTC (CEST).
        Assert.Equal("ana", s.OnCallAt(Utc(3, 28, 7, 59)));
        Assert.Equal("ben", s.OnCallAt(Utc(3, 28, 8, 0)));
        Assert.Equal("ben", s.OnCallAt(Utc(3, 29, 6, 59)));
        Assert.Equal("cem", s.OnCallAt(Utc(3, 29, 7, 0)));   // 24 h after the last hand-off would still be ben: it is 23 h
        Assert.Equal(Utc(3, 29, 7, 0), s.NextHandOff(Utc(3, 28, 12, 0)));
        Assert.Equal(TimeSpan.FromHours(23), s.NextHandOff(Utc(3, 28, 12, 0)) - Utc(3, 28, 8, 0));
    }

    [Fact]
    public void Hand_off_across_the_autumn_change_is_a_25_hour_shift()
    {
        var s = new Schedule("p", new Rotation(["ana", "ben"], new DateOnly(2026, 10, 24), new TimeOnly(9, 0), ShiftLength.Daily, Berlin), []);
        Assert.Equal("ana", s.OnCallAt(Utc(10, 24, 7, 0)));        // 09:00 CEST
        Assert.Equal("ana", s.OnCallAt(Utc(10, 25, 7, 59)));       // 08:59 CET on the 25th
        Assert.Equal("ben", s.OnCallAt(Utc(10, 25, 8, 0)));        // 09:00 CET
        Assert.Equal(TimeSpan.FromHours(25), s.NextHandOff(Utc(10, 24, 12, 0)) - Utc(10, 24, 7, 0));
    }

    [Fact]
    public void Weekly_rotation_hands_off_on_the_start_weekday_and_wraps_around()
    {
        var s = new Schedule("p", new Rotation(["ana", "ben"], new DateOnly(2026, 11, 23), new TimeOnly(9, 0), ShiftLength.Weekly, Berlin), []);
        Assert.Equal("ana", s.OnCallAt(Utc(11, 23, 8, 0)));   // Monday 09:00 CET
        Assert.Equal("ana", s.OnCallAt(Utc(11, 30, 7, 59)));
        Assert.Equal("ben", s.OnCallAt(Utc(11, 30, 8, 0)));
        Assert.Equal("ana", s.OnCallAt(Utc(12, 7, 8, 0)));
        Assert.Equal("ben", s.OnCallAt(Utc(11, 23, 7, 59)));  // before the start: the rotation runs backwards too
    }

    [Fact]
    public void An_override_wins_over_the_rotation_and_the_last_declared_wins_over_an_earlier_one()
    {
        var s = Daily(new ScheduleOverride("dora", Utc(3, 28, 10, 0), Utc(3, 28, 14, 0)), new ScheduleOverride("eve", Utc(3, 28, 12, 0), Utc(3, 28, 13, 0)));
        Assert.Equal("ben", s.OnCallAt(Utc(3, 28, 9, 59)));
        Assert.Equal("dora", s.OnCallAt(Utc(3, 28, 10, 0)));
        Assert.Equal("eve", s.OnCallAt(Utc(3, 28, 12, 30)));
        Assert.Equal("dora", s.OnCallAt(Utc(3, 28, 13, 0)));
        Assert.Equal("ben", s.OnCallAt(Utc(3, 28, 14, 0)));   // the end is exclusive

        var shifts = s.Shifts(Utc(3, 28, 9, 0), Utc(3, 29, 9, 0));
        Assert.Equal(
            [("ben", Utc(3, 28, 9, 0)), ("dora", Utc(3, 28, 10, 0)), ("eve", Utc(3, 28, 12, 0)), ("dora", Utc(3, 28, 13, 0)), ("ben", Utc(3, 28, 14, 0)), ("cem", Utc(3, 29, 7, 0))],
            shifts.Select(x => (x.Person, x.From)).ToList());
        Assert.Equal(new Shift("dora", Utc(3, 28, 10, 0), Utc(3, 28, 12, 0)), s.Next(Utc(3, 28, 9, 0), TimeSpan.FromDays(14)));
    }

    [Fact]
    public void A_hand_off_time_skipped_by_the_clock_change_happens_when_the_clock_jumps()
    {
        var s = new Schedule("p", new Rotation(["ana", "ben"], new DateOnly(2026, 3, 28), new TimeOnly(2, 30), ShiftLength.Daily, Berlin), []);
        Assert.Equal(Utc(3, 29, 1, 0), s.NextHandOff(Utc(3, 28, 12, 0)));   // 02:30 does not exist on the 29th: 03:00 CEST = 01:00 UTC
        Assert.Equal("ana", s.OnCallAt(Utc(3, 29, 0, 59)));
        Assert.Equal("ben", s.OnCallAt(Utc(3, 29, 1, 0)));
    }

    [Fact]
    public void Working_hours_start_on_the_next_working_day_in_their_zone()
    {
        var hours = new WorkingHoursSettings { TimeZone = "Europe/Berlin" };
        Assert.Equal(Utc(11, 26, 10, 0), hours.NextWorkingTime(Utc(11, 26, 10, 0)));   // Thursday 11:00 in Berlin: now
        Assert.Equal(Utc(11, 27, 8, 0), hours.NextWorkingTime(Utc(11, 26, 16, 30)));   // Thursday 17:30 → Friday 09:00
        Assert.Equal(Utc(11, 30, 8, 0), hours.NextWorkingTime(Utc(11, 28, 12, 0)));    // Saturday → Monday 09:00
        Assert.Equal(Utc(11, 30, 8, 0), hours.NextWorkingTime(Utc(11, 30, 6, 0)));     // Monday 07:00 → 09:00 the same day
    }

    [Fact]
    public void Policy_steps_are_due_at_the_start_plus_the_minutes_of_the_levels_before_them()
    {
        var policy = new PolicySettings { Name = "p", Repeat = 1, Levels = [new() { People = ["a"], Minutes = 10 }, new() { People = ["b"], Minutes = 20 }] };
        Assert.Equal(4, policy.Steps);
        Assert.Equal([0, 10, 30, 40, 60], Enumerable.Range(0, 5).Select(i => (int)policy.Before(i).TotalMinutes).ToList());
        Assert.Equal("b", policy.LevelOf(3).People[0]);
    }

    [Fact]
    public void Settings_that_name_no_schedule_or_policy_or_zone_are_refused_naming_the_setting()
    {
        var o = new OnCallOptions
        {
            Schedules = [new ScheduleSettings { Name = "s", Members = ["a"], TimeZone = "Mars/Olympus" }],
            Policies = [new PolicySettings { Name = "p", Levels = [new LevelSettings { Schedules = ["nope"], Minutes = 0 }] }],
            Services = new(StringComparer.OrdinalIgnoreCase) { ["checkout"] = "missing" },
        };
        var problems = OnCallOptionsValidator.Problems(o).ToList();
        Assert.Contains(problems, p => p.StartsWith("AutoResponder:OnCall:Schedules:0:TimeZone"));
        Assert.Contains(problems, p => p.StartsWith("AutoResponder:OnCall:Policies:0:Levels:0:Minutes"));
        Assert.Contains(problems, p => p.StartsWith("AutoResponder:OnCall:Policies:0:Levels:0:Schedules names no schedule"));
        Assert.Contains(problems, p => p.StartsWith("AutoResponder:OnCall:Services:checkout"));
    }

    [Fact]
    public void Live_Graph_without_the_chat_scopes_is_a_setting_to_fix_naming_the_missing_scopes()
    {
        var onCall = new OnCallOptions { Policies = [new PolicySettings { Name = "p", Levels = [new LevelSettings { People = ["a@x"] }] }] };
        var live = new AutoResponder.Graph.GraphOptions { TenantId = "t", ClientId = "c" };
        var finding = Assert.Single(OnCallSetup.Findings(onCall, live));
        Assert.Equal("AutoResponder__Graph__DelegatedScopes", finding.Setting);
        Assert.Contains("Chat.Create, ChatMessage.Send, User.ReadBasic.All", finding.Problem);
        live.DelegatedScopes = ["https://graph.microsoft.com/ChannelMessage.Send", "https://graph.microsoft.com/Chat.Create", "ChatMessage.Send", "User.ReadBasic.All"];
        Assert.Empty(OnCallSetup.Findings(onCall, live));
        Assert.Empty(OnCallSetup.Findings(new OnCallOptions(), new AutoResponder.Graph.GraphOptions { TenantId = "t", ClientId = "c" })); // no paging: nothing to fix
    }
}
