using Microsoft.Extensions.Options;

namespace AutoResponder.Hosting;

/// <summary>What happens when every alert of an incident has resolved.</summary>
public enum ResolvedAlertsPolicy { Mitigate, Resolve, None }

/// <summary>Settings under "AutoResponder" (environment: AutoResponder__Name). Validated at start-up.</summary>
public sealed class AutoResponderOptions
{
    public const string Section = "AutoResponder";

    /// <summary>
    /// Where people reach AutoResponder (e.g. https://incidents.shop.example; infra sets it to the app's URL): Teams
    /// cards and manager e-mails link to {PublicBaseUrl}/incidents/{id}, never to storage. Unset: they carry no console
    /// link.
    /// </summary>
    public string? PublicBaseUrl { get; set; }
    /// <summary>Largest accepted request body, in bytes (default 1 MiB).</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;
    /// <summary>What an incident does when all its alerts have resolved.</summary>
    public ResolvedAlertsPolicy WhenAllAlertsResolved { get; set; } = ResolvedAlertsPolicy.Mitigate;
    /// <summary>
    /// A firing within this many minutes of resolution reopens the incident; later it opens a new one. 0 = never
    /// reopen.
    /// </summary>
    public int ReopenWindowMinutes { get; set; } = 60;
    /// <summary>
    /// Lost optimistic-concurrency races (another instance wrote the same row first) an incident or state write rereads
    /// and retries before it gives up with 503 + Retry-After (default 10): every such race, intake's group commit and
    /// routing included (<see cref="Incidents.ConflictRetry"/>).
    /// </summary>
    public int ConflictRetries { get; set; } = 10;
    /// <summary>
    /// Longest an alert delivery waits for storage before it is answered 503 with Retry-After (default 45 s): storage
    /// that hangs instead of refusing must not hold the sender until its own timeout. A retry of a delivery that was
    /// filed anyway is recognised.
    /// </summary>
    public int IntakeTimeoutSeconds { get; set; } = 45;
    public GroupingOptions Grouping { get; set; } = new();
    public OutboxOptions Outbox { get; set; } = new();
}

public sealed class GroupingOptions
{
    /// <summary>Join alerts that share a grouping key into one incident.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>
    /// Fields that make the grouping key: service, rule, source, severity, or label:NAME. Unset means
    /// service + rule. (Null by default because the configuration binder appends to a pre-filled list.)
    /// </summary>
    public List<string>? Fields { get; set; }

    public IReadOnlyList<string> EffectiveFields => Fields is { Count: > 0 } ? Fields : ["service", "rule"];
    /// <summary>
    /// An alert joins a live incident of its group if that incident saw an alert within this many minutes.
    /// </summary>
    public int WindowMinutes { get; set; } = 30;
    /// <summary>
    /// Alerts the sender delivered as one group (Alertmanager's and Grafana's <c>groupKey</c>, from its
    /// <c>group_by</c>) go to one incident, whatever their fields: the delivery group is the grouping key. False: each
    /// alert is grouped by <see cref="Fields"/> like any other. Applies while <see cref="Enabled"/>.
    /// </summary>
    public bool ByDeliveryGroup { get; set; } = true;
}

public sealed class OutboxOptions
{
    /// <summary>Attempts before an action is parked as failed.</summary>
    public int MaxAttempts { get; set; } = 6;
    /// <summary>First retry delay; doubles each attempt up to <see cref="MaxDelaySeconds"/>.</summary>
    public int BaseDelaySeconds { get; set; } = 10;
    public int MaxDelaySeconds { get; set; } = 900;
    /// <summary>How long a runner holds an action before another may take it over.</summary>
    public int LeaseSeconds { get; set; } = 120;
    // How often the sweep looks for actions whose signal was lost: SweepSchedule (Outbox.OutboxSweeper.Schedule).
}

/// <summary>Start-up validation: every message names the setting, as it is spelled in configuration.</summary>
internal sealed class AutoResponderOptionsValidator : IValidateOptions<AutoResponderOptions>
{
    private static readonly string[] GroupingFields = ["service", "rule", "source", "severity"];

    public ValidateOptionsResult Validate(string? name, AutoResponderOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{AutoResponderOptions.Section}:{setting} {message}"); }

        Check(PublicBaseUrlProblem(o.PublicBaseUrl) is null, nameof(o.PublicBaseUrl),
            PublicBaseUrlProblem(o.PublicBaseUrl) ?? "");
        Check(o.MaxRequestBytes is >= 1024 and <= 100 * 1024 * 1024, nameof(o.MaxRequestBytes),
            $"must be between 1024 and 104857600 (is {o.MaxRequestBytes}).");
        Check(Enum.IsDefined(o.WhenAllAlertsResolved), nameof(o.WhenAllAlertsResolved),
            "must be Mitigate, Resolve or None.");
        Check(o.IntakeTimeoutSeconds is >= 1 and <= 600, nameof(o.IntakeTimeoutSeconds),
            $"must be between 1 and 600 (is {o.IntakeTimeoutSeconds}).");
        Check(o.ReopenWindowMinutes is >= 0 and <= 7 * 24 * 60, nameof(o.ReopenWindowMinutes),
            $"must be between 0 and 10080 (is {o.ReopenWindowMinutes}).");
        Check(o.ConflictRetries is >= 1 and <= 100, nameof(o.ConflictRetries),
            $"must be between 1 and 100 (is {o.ConflictRetries}).");
        Check(o.Grouping.WindowMinutes is >= 0 and <= 7 * 24 * 60, "Grouping:WindowMinutes",
            $"must be between 0 and 10080 (is {o.Grouping.WindowMinutes}).");
        for (var i = 0; i < o.Grouping.EffectiveFields.Count; i++)
        {
            var field = o.Grouping.EffectiveFields[i];
            Check(GroupingFields.Contains(field, StringComparer.OrdinalIgnoreCase)
                || (field.StartsWith("label:", StringComparison.OrdinalIgnoreCase) && field.Length > 6),
                $"Grouping:Fields:{i}", $"'{field}' is not a grouping field (service, rule, source, severity or label:NAME).");
        }
        Check(o.Outbox.MaxAttempts is >= 1 and <= 100, "Outbox:MaxAttempts",
            $"must be between 1 and 100 (is {o.Outbox.MaxAttempts}).");
        Check(o.Outbox.BaseDelaySeconds is >= 1 and <= 3600, "Outbox:BaseDelaySeconds",
            $"must be between 1 and 3600 (is {o.Outbox.BaseDelaySeconds}).");
        Check(o.Outbox.MaxDelaySeconds >= o.Outbox.BaseDelaySeconds && o.Outbox.MaxDelaySeconds <= 86400,
            "Outbox:MaxDelaySeconds", "must be at least Outbox:BaseDelaySeconds and at most 86400.");
        Check(o.Outbox.LeaseSeconds is >= 10 and <= 3600, "Outbox:LeaseSeconds",
            $"must be between 10 and 3600 (is {o.Outbox.LeaseSeconds}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// AutoResponder:PublicBaseUrl (the base of the links people follow): an absolute https URL (http only for
    /// loopback), without query or fragment; null when valid.
    /// </summary>
    public static string? PublicBaseUrlProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var u)
            || (u.Scheme != Uri.UriSchemeHttps && u.Scheme != Uri.UriSchemeHttp))
            return $"must be an absolute http(s) URL such as https://incidents.shop.example (is '{url}').";
        if (u.Scheme == Uri.UriSchemeHttp && !u.IsLoopback)
            return $"must use https unless it is a loopback address (is '{url}').";
        if (u.Query.Length > 0 || u.Fragment.Length > 0 || u.UserInfo.Length > 0)
            return $"must not carry a query, fragment or user name (is '{url}').";
        return null;
    }
}
