using System.Globalization;
using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>Settings under "AutoResponder:Reminders".</summary>
public sealed class ReminderOptions
{
    public const string Section = "AutoResponder:Reminders";

    public bool Enabled { get; set; } = true;
    /// <summary>IANA time zone id of the team's working hours (e.g. "Europe/Amsterdam").</summary>
    public string TimeZone { get; set; } = "Europe/Amsterdam";
    /// <summary>Working hours, local time, "HH:mm-HH:mm".</summary>
    public string WorkingHours { get; set; } = "09:00-17:00";
    /// <summary>Working days, comma separated English day names.</summary>
    public string WorkingDays { get; set; } = "Monday,Tuesday,Wednesday,Thursday,Friday";
    /// <summary>Business days after resolution: RCA draft due.</summary>
    public int RcaDraftBusinessDays { get; set; } = 1;
    /// <summary>Business days after resolution: postmortem review.</summary>
    public int PostmortemReviewBusinessDays { get; set; } = 3;
    /// <summary>Business days after resolution: action items due.</summary>
    public int ActionItemsBusinessDays { get; set; } = 5;
    /// <summary>
    /// Business days after resolution at which an RCA still open escalates to the managers (0 = never). Must be after
    /// the RCA draft is due.
    /// </summary>
    public int EscalationBusinessDays { get; set; } = 2;
    /// <summary>Service Bus queue (or, standalone, storage queue) name.</summary>
    public string QueueName { get; set; } = "rca-reminders";
    /// <summary>Deliveries before a reminder that keeps failing is dead-lettered (and shown on the incident).</summary>
    public int MaxDeliveries { get; set; } = 5;
    /// <summary>Storage-queue transport: how long a failed reminder stays invisible before it is retried.</summary>
    public int RetryDelaySeconds { get; set; } = 30;
    /// <summary>Most messages one pump run receives.</summary>
    public int MaxPerRun { get; set; } = 100;

    public (TimeSpan Start, TimeSpan End) Hours()
    {
        var parts = WorkingHours.Split('-', StringSplitOptions.TrimEntries);
        return (TimeSpan.ParseExact(parts[0], @"hh\:mm", CultureInfo.InvariantCulture),
            TimeSpan.ParseExact(parts[1], @"hh\:mm", CultureInfo.InvariantCulture));
    }

    public HashSet<DayOfWeek> Days() =>
        WorkingDays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => Enum.Parse<DayOfWeek>(d, ignoreCase: true)).ToHashSet();

    /// <summary>Reminder kinds with their offsets, in due order; a 0 offset switches a kind off.</summary>
    public IEnumerable<(string Kind, int BusinessDays)> Offsets()
    {
        (string, int)[] all =
        [
            (ReminderKinds.RcaDraft, RcaDraftBusinessDays),
            (ReminderKinds.Escalation, EscalationBusinessDays),
            (ReminderKinds.PostmortemReview, PostmortemReviewBusinessDays),
            (ReminderKinds.ActionItems, ActionItemsBusinessDays),
        ];
        return all.Where(o => o.Item2 > 0);
    }
}

internal sealed class ReminderOptionsValidator : IValidateOptions<ReminderOptions>
{
    public ValidateOptionsResult Validate(string? name, ReminderOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{ReminderOptions.Section}:{setting} {message}"); }

        try { TimeZoneInfo.FindSystemTimeZoneById(o.TimeZone); }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        { Check(false, nameof(o.TimeZone), $"'{o.TimeZone}' is not a known time zone id (use an IANA id such as Europe/Amsterdam)."); }
        try
        {
            var (start, end) = o.Hours();
            Check(start < end, nameof(o.WorkingHours), $"must start before it ends (is '{o.WorkingHours}').");
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
        { Check(false, nameof(o.WorkingHours), $"must look like 09:00-17:00 (is '{o.WorkingHours}')."); }
        try { Check(o.Days().Count > 0, nameof(o.WorkingDays), "must name at least one day."); }
        catch (ArgumentException) { Check(false, nameof(o.WorkingDays), $"must be comma-separated day names such as Monday,Tuesday (is '{o.WorkingDays}')."); }
        Check(o.RcaDraftBusinessDays is >= 0 and <= 60, nameof(o.RcaDraftBusinessDays), "must be between 0 and 60.");
        Check(o.PostmortemReviewBusinessDays is >= 0 and <= 60, nameof(o.PostmortemReviewBusinessDays),
            "must be between 0 and 60.");
        Check(o.ActionItemsBusinessDays is >= 0 and <= 60, nameof(o.ActionItemsBusinessDays),
            "must be between 0 and 60.");
        Check(o.EscalationBusinessDays == 0 || o.EscalationBusinessDays > o.RcaDraftBusinessDays,
            nameof(o.EscalationBusinessDays),
            $"must be 0 (off) or later than RcaDraftBusinessDays ({o.RcaDraftBusinessDays}).");
        Check(!string.IsNullOrWhiteSpace(o.QueueName)
            && o.QueueName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'),
            nameof(o.QueueName),
            "must be lower-case letters, digits and hyphens.");
        Check(o.MaxDeliveries is >= 1 and <= 100, nameof(o.MaxDeliveries), "must be between 1 and 100.");
        Check(o.RetryDelaySeconds is >= 0 and <= 3600, nameof(o.RetryDelaySeconds), "must be between 0 and 3600.");
        Check(o.MaxPerRun is >= 1 and <= 5000, nameof(o.MaxPerRun), "must be between 1 and 5000.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
