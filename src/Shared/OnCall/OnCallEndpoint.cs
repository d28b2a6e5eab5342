using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Http;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.OnCall;

/// <summary>
/// GET /api/oncall body: each schedule's person on call now, who is next, and the shifts of the next 14 days; the
/// policies.
/// </summary>
internal sealed record OnCallResponse(DateTimeOffset At, IReadOnlyList<ScheduleJson> Schedules,
    IReadOnlyList<PolicyJson> Policies);

/// <summary>One schedule as it stands at <see cref="OnCallResponse.At"/>.</summary>
internal sealed record ScheduleJson(string Name, string TimeZone, ShiftJson Now, ShiftJson? Next,
    IReadOnlyList<ShiftJson> Shifts, ScheduleRequest Declaration);

internal sealed record ShiftJson(string Person, DateTimeOffset From, DateTimeOffset To);

/// <summary>PUT /api/oncall/schedules/{name} body: a rotation and its overrides.</summary>
internal sealed record ScheduleRequest(IReadOnlyList<string> Members, string Start, string HandOff, ShiftLength Length,
    string TimeZone, IReadOnlyList<OverrideJson>? Overrides);

internal sealed record OverrideJson(string Person, DateTimeOffset From, DateTimeOffset To);

/// <summary>PUT /api/oncall/policies/{name} body; also how GET /api/oncall shows a policy.</summary>
internal sealed record PolicyRequest(IReadOnlyList<LevelJson> Levels, int Repeat, IReadOnlyList<string>? Services,
    bool Default);

/// <summary>
/// One escalation level: the person on call on each schedule plus the people named; minutes to acknowledge before the
/// next level.
/// </summary>
internal sealed record LevelJson(IReadOnlyList<string>? Schedules, IReadOnlyList<string>? People, int Minutes);

internal sealed record PolicyJson(string Name, PolicyRequest Declaration);

/// <summary>The on-call routes: who is on call (viewers), and schedules and policies set by admins.</summary>
internal sealed class OnCallEndpoint(OnCallCatalog catalog, TimeProvider time)
{
    private const int MaxBodyBytes = 64 * 1024;
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(14);

    public async Task<ApiResult> GetAsync(CancellationToken ct)
    {
        var current = await catalog.CurrentAsync(ct);
        var now = time.GetUtcNow();
        return ApiResult.Ok(new OnCallResponse(now, current.Schedules.Select(s => ToJson(s, now)).ToList(),
            current.Policies.Select(ToJson).ToList()));
    }

    public Task<ApiResult> PutScheduleAsync(HttpRequest request, Caller caller, string name, CancellationToken ct) =>
        PutAsync<ScheduleSettings>(request, name, ct, async (schedule, current) =>
        {
            schedule.Name = name;
            var merged = current.With([schedule], []);
            if (Invalid(OnCallOptionsValidator.Problems(merged),
                $"Schedules:{merged.Schedules.Count - 1}:") is { } problem) return problem;
            await catalog.SaveAsync(schedule, caller.Name, time.GetUtcNow(), ct);
            return ApiResult.Ok(ToJson(schedule, time.GetUtcNow()));
        });

    public Task<ApiResult> PutPolicyAsync(HttpRequest request, Caller caller, string name, CancellationToken ct) =>
        PutAsync<PolicySettings>(request, name, ct, async (policy, current) =>
        {
            policy.Name = name;
            var merged = current.With([], [policy]);
            if (Invalid(OnCallOptionsValidator.Problems(merged),
                $"Policies:{merged.Policies.Count - 1}:") is { } problem) return problem;
            await catalog.SaveAsync(policy, caller.Name, time.GetUtcNow(), ct);
            return ApiResult.Ok(ToJson(policy));
        });

    private async Task<ApiResult> PutAsync<T>(HttpRequest request, string name, CancellationToken ct,
        Func<T, OnCallOptions, Task<ApiResult>> save) where T : class
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            return Problems.Invalid("name", "The name must be 1-100 letters, digits, '-', '_' or '.'.");
        var body = await JsonBody.ReadAsync(request, MaxBodyBytes, allowEmpty: false, ct);
        if (body.Error is not null) return body.Error;
        using var document = body.Document!;
        if (RequestFields.RequireObject(document.RootElement) is { } notObject) return notObject;
        T? value;
        try { value = document.RootElement.Deserialize<T>(OnCallCatalog.Json); }
        catch (JsonException e) { return Problems.Malformed($"The body does not fit the documented shape: {e.Message}", Field(e.Path)); }
        if (value is null) return Problems.Missing("$");
        return await save(value, await catalog.CurrentAsync(ct));
    }

    /// <summary>
    /// The first problem of the declaration being saved, with its setting path turned into the JSON field
    /// ("Levels:0:Minutes" → "levels[0].minutes").
    /// </summary>
    private static ApiResult? Invalid(IEnumerable<string> problems, string scope)
    {
        var prefix = $"{OnCallOptions.Section}:{scope}";
        var problem = problems.FirstOrDefault(p => p.StartsWith(prefix, StringComparison.Ordinal));
        if (problem is null) return null;
        var rest = problem[prefix.Length..];
        var path = rest.Split(' ', 2)[0];
        var field = string.Join("",
            path.Split(':').Select((part, i) =>
            int.TryParse(part, out var n)
            ? $"[{n}]" : (i == 0 ? "" : ".") + char.ToLowerInvariant(part[0]) + part[1..]));
        return Problems.Invalid(field, $"{field} {rest[path.Length..].Trim()}");
    }

    private static string Field(string? jsonPath)
        => string.IsNullOrEmpty(jsonPath) ? "$" : jsonPath.TrimStart('$', '.');

    private static ScheduleJson ToJson(ScheduleSettings settings, DateTimeOffset now)
    {
        var schedule = settings.ToSchedule();
        var shifts = schedule.Shifts(now, now + Horizon).Select(s => new ShiftJson(s.Person, s.From, s.To)).ToList();
        var next = shifts.Skip(1).FirstOrDefault();
        return new ScheduleJson(settings.Name, settings.TimeZone, shifts[0], next, shifts,
            new ScheduleRequest(settings.Members, settings.Start, settings.HandOff, settings.Length, settings.TimeZone,
                settings.Overrides.Select(o => new OverrideJson(o.Person, o.From, o.To)).ToList()));
    }

    private static PolicyJson ToJson(PolicySettings p) => new(p.Name,
        new PolicyRequest(p.Levels.Select(l => new LevelJson(l.Schedules, l.People, l.Minutes)).ToList(), p.Repeat,
            p.Services, p.Default));
}
