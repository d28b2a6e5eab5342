using System.Globalization;
using AutoResponder.Alerts;
using AutoResponder.Hosting;
using Microsoft.Extensions.Options;

namespace AutoResponder.OnCall;

/// <summary>
/// Settings under "AutoResponder:OnCall" (docs/oncall.md): schedules, escalation policies, which policy serves which
/// service, and which severities page at once. Schedules and policies may also be set through the API (table "OnCall",
/// <see cref="OnCallCatalog"/>), which win over settings of the same name. Validated at start.
/// </summary>
public sealed class OnCallOptions
{
    public const string Section = "AutoResponder:OnCall";

    /// <summary>
    /// Page when incidents open. Unset: on when a policy is declared in settings (set true when policies come only
    /// through the API).
    /// </summary>
    public bool? Paging { get; set; }

    public List<ScheduleSettings> Schedules { get; set; } = [];
    public List<PolicySettings> Policies { get; set; } = [];
    /// <summary>Service → policy name.</summary>
    public Dictionary<string, string> Services { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The policy of a service not in <see cref="Services"/> (none: such incidents page nobody).</summary>
    public string? DefaultPolicy { get; set; }
    /// <summary>
    /// Severities that page at once, day or night; the others page from the start of the next working hours.
    /// </summary>
    /// <summary>(Default Sev0–Sev2; a list given in settings replaces it.)</summary>
    public List<Severity>? PageAtOnce { get; set; }
    public IReadOnlyList<Severity> EffectivePageAtOnce
        => PageAtOnce is { Count: > 0 } p ? p : [Severity.Sev0, Severity.Sev1, Severity.Sev2];
    public WorkingHoursSettings WorkingHours { get; set; } = new();

    public bool Enabled => Paging ?? Policies.Count > 0;

    /// <summary>
    /// The policy of a service: the Services map, else a policy listing the service, else the default.
    /// </summary>
    public PolicySettings? PolicyFor(string? service)
    {
        if (service is not null && Services.TryGetValue(service, out var mapped)) return Policy(mapped);
        if (service is not null && Policies.FirstOrDefault(p =>
            p.Services.Contains(service, StringComparer.OrdinalIgnoreCase)) is { } serving) return serving;
        return DefaultPolicy is { } d ? Policy(d) : Policies.FirstOrDefault(p => p.Default);
    }

    public PolicySettings? Policy(string name)
        => Policies.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A copy whose lists can be changed without changing these settings.</summary>
    public OnCallOptions With(IEnumerable<ScheduleSettings> schedules, IEnumerable<PolicySettings> policies)
    {
        var copy = (OnCallOptions)MemberwiseClone();
        copy.Schedules = [.. Schedules.Where(s => !schedules.Any(x => Same(x.Name, s.Name))), .. schedules];
        copy.Policies = [.. Policies.Where(p => !policies.Any(x => Same(x.Name, p.Name))), .. policies];
        return copy;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public Schedule? Schedule(string name) =>
        Schedules.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))?.ToSchedule();
}

public sealed class ScheduleSettings
{
    public string Name { get; set; } = "";
    /// <summary>
    /// People in rotation order (e-mail addresses / UPNs: a page goes to their Teams chat and mailbox).
    /// </summary>
    public List<string> Members { get; set; } = [];
    /// <summary>The first member's first shift starts on this local date ("2026-01-05").</summary>
    public string Start { get; set; } = "2026-01-05";
    /// <summary>Local hand-off time ("09:00").</summary>
    public string HandOff { get; set; } = "09:00";
    public ShiftLength Length { get; set; } = ShiftLength.Weekly;
    /// <summary>IANA time zone id ("Europe/Berlin").</summary>
    public string TimeZone { get; set; } = "UTC";
    public List<OverrideSettings> Overrides { get; set; } = [];

    public Schedule ToSchedule() => new(Name,
        new Rotation(Members, DateOnly.Parse(Start, CultureInfo.InvariantCulture),
            TimeOnly.Parse(HandOff, CultureInfo.InvariantCulture), Length,
            TimeZoneInfo.FindSystemTimeZoneById(TimeZone)),
        Overrides.Select(o => new ScheduleOverride(o.Person, o.From, o.To)).ToList());
}

public sealed class OverrideSettings
{
    public string Person { get; set; } = "";
    public DateTimeOffset From { get; set; }
    public DateTimeOffset To { get; set; }
}

public sealed class PolicySettings
{
    public string Name { get; set; } = "";
    public List<LevelSettings> Levels { get; set; } = [];
    /// <summary>
    /// How many more times the levels are walked after the last one's minutes pass unacknowledged (0 = once).
    /// </summary>
    public int Repeat { get; set; }
    /// <summary>Services this policy serves (besides the <see cref="OnCallOptions.Services"/> map).</summary>
    public List<string> Services { get; set; } = [];
    /// <summary>Serves every service no policy names (when AutoResponder:OnCall:DefaultPolicy is unset).</summary>
    public bool Default { get; set; }

    /// <summary>Levels paged in all, rounds included.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Steps => Levels.Count * (Repeat + 1);
    public LevelSettings LevelOf(int step) => Levels[step % Levels.Count];
    /// <summary>
    /// How long after the escalation starts step <paramref name="step"/> is paged: the minutes of every level before
    /// it.
    /// </summary>
    public TimeSpan Before(int step) => TimeSpan.FromMinutes(Enumerable.Range(0, step).Sum(i => LevelOf(i).Minutes));
}

/// <summary>
/// One level: whoever is on call on <see cref="Schedules"/> plus <see cref="People"/>; <see cref="Minutes"/> to
/// acknowledge before the next level.
/// </summary>
public sealed class LevelSettings
{
    public List<string> Schedules { get; set; } = [];
    public List<string> People { get; set; } = [];
    public int Minutes { get; set; } = 15;

    /// <summary>
    /// Who this level pages at <paramref name="at"/>: each schedule's person on call, then the people named, once each.
    /// </summary>
    public IReadOnlyList<string> PeopleAt(OnCallOptions options, DateTimeOffset at) =>
        Schedules.Select(options.Schedule).OfType<Schedule>().Select(s => s.OnCallAt(at)).Concat(People)
            .Select(p => p.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}

/// <summary>When people are at work, for severities that do not page at once.</summary>
public sealed class WorkingHoursSettings
{
    public string Start { get; set; } = "09:00";
    public string End { get; set; } = "17:00";
    /// <summary>(Default Monday–Friday.)</summary>
    public List<DayOfWeek>? Days { get; set; }
    private IReadOnlyList<DayOfWeek> WorkDays
        => Days is { Count: > 0 } d
        ? d : [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// <paramref name="at"/> itself when it falls in working hours, else the start of the next working day's hours.
    /// </summary>
    public DateTimeOffset NextWorkingTime(DateTimeOffset at)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var (start, end) = (TimeOnly.Parse(Start, CultureInfo.InvariantCulture),
            TimeOnly.Parse(End, CultureInfo.InvariantCulture));
        var local = TimeZoneInfo.ConvertTime(at, zone).DateTime;
        var day = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        if (WorkDays.Contains(day.DayOfWeek) && time >= start && time < end) return at;
        if (!(WorkDays.Contains(day.DayOfWeek) && time < start)) day = day.AddDays(1);
        for (var i = 0; i < 8 && !WorkDays.Contains(day.DayOfWeek); i++) day = day.AddDays(1);
        return OnCall.Schedule.ToInstant(day, start, zone);
    }
}

public sealed class OnCallOptionsValidator : IValidateOptions<OnCallOptions>
{
    public ValidateOptionsResult Validate(string? name, OnCallOptions o)
    {
        var errors = Problems(o).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Each problem names the setting, as "AutoResponder:OnCall:Schedules:0:TimeZone …".</summary>
    public static IEnumerable<string> Problems(OnCallOptions o)
    {
        var s = OnCallOptions.Section;
        for (var i = 0; i < o.Schedules.Count; i++)
        {
            var x = o.Schedules[i];
            var at = $"{s}:Schedules:{i}";
            if (string.IsNullOrWhiteSpace(x.Name)) yield return $"{at}:Name is required.";
            if (x.Members.Count == 0 || x.Members.Any(string.IsNullOrWhiteSpace))
                yield return $"{at}:Members needs at least one person, none empty.";
            if (!DateOnly.TryParse(x.Start, CultureInfo.InvariantCulture, out _))
                yield return $"{at}:Start must be a date like 2026-01-05 (is '{x.Start}').";
            if (!TimeOnly.TryParse(x.HandOff, CultureInfo.InvariantCulture, out _))
                yield return $"{at}:HandOff must be a time like 09:00 (is '{x.HandOff}').";
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(x.TimeZone, out _))
                yield return $"{at}:TimeZone must be an IANA time zone such as Europe/Berlin (is '{x.TimeZone}').";
            for (var j = 0; j < x.Overrides.Count; j++)
                if (string.IsNullOrWhiteSpace(x.Overrides[j].Person) || x.Overrides[j].To <= x.Overrides[j].From)
                    yield return $"{at}:Overrides:{j} needs a Person and To after From.";
        }
        var names = o.Schedules.Select(x => x.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var policies = o.Policies.Select(x => x.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < o.Policies.Count; i++)
        {
            var p = o.Policies[i];
            var at = $"{s}:Policies:{i}";
            if (string.IsNullOrWhiteSpace(p.Name)) yield return $"{at}:Name is required.";
            if (p.Levels.Count == 0) yield return $"{at}:Levels needs at least one level.";
            if (p.Repeat is < 0 or > 10) yield return $"{at}:Repeat must be between 0 and 10 (is {p.Repeat}).";
            for (var j = 0; j < p.Levels.Count; j++)
            {
                var l = p.Levels[j];
                if (l.Schedules.Count + l.People.Count == 0)
                    yield return $"{at}:Levels:{j} needs a schedule or a person.";
                if (l.Minutes is < 1 or > 24 * 60)
                    yield return $"{at}:Levels:{j}:Minutes must be between 1 and 1440 (is {l.Minutes}).";
                foreach (var unknown in l.Schedules.Where(n => !names.Contains(n)))
                    yield return $"{at}:Levels:{j}:Schedules names no schedule: '{unknown}'.";
            }
        }
        foreach (var (service, policy) in o.Services)
            if (!policies.Contains(policy)) yield return $"{s}:Services:{service} names no policy: '{policy}'.";
        if (o.DefaultPolicy is { } d && !policies.Contains(d))
            yield return $"{s}:DefaultPolicy names no policy: '{d}'.";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(o.WorkingHours.TimeZone, out _))
            yield return $"{s}:WorkingHours:TimeZone must be an IANA time zone (is '{o.WorkingHours.TimeZone}').";
        if (!TimeOnly.TryParse(o.WorkingHours.Start, CultureInfo.InvariantCulture, out var ws)
            || !TimeOnly.TryParse(o.WorkingHours.End, CultureInfo.InvariantCulture, out var we) || we <= ws)
            yield return $"{s}:WorkingHours:Start/End must be times with End after Start.";
    }
}

/// <summary>
/// What paging needs from the Graph sign-in, said on /api/health and in the console (it never stops start-up).
/// </summary>
internal static class OnCallSetup
{
    /// <summary>The delegated scopes a page by Teams chat and @mention needs.</summary>
    public static readonly IReadOnlyList<string> ChatScopes = ["Chat.Create", "ChatMessage.Send", "User.ReadBasic.All"];

    public static IEnumerable<SetupFinding> Findings(OnCallOptions onCall, Graph.GraphOptions graph)
    {
        if (!onCall.Enabled || graph.EffectiveMode != Graph.GraphMode.Live) yield break;
        var missing = ChatScopes.Where(s =>
            !graph.EffectiveDelegatedScopes.Any(x =>
            x.Equals(s, StringComparison.OrdinalIgnoreCase) || x.EndsWith("/" + s, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (missing.Count > 0)
            yield return new SetupFinding("On call", SetupFinding.AppSetting("AutoResponder:Graph:DelegatedScopes"),
                $"lacks {string.Join(", ", missing)}, which paging by Teams chat and @mention needs (add them, " +
                $"consent, then `autoresponder graph login`)",
                "pages still go out by e-mail; the Teams chat and mention are retried and then parked");
    }
}
