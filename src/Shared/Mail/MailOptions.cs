using AutoResponder.Alerts;
using AutoResponder.Incidents;
using Microsoft.Extensions.Options;

namespace AutoResponder.Mail;

/// <summary>
/// Settings under "AutoResponder:Mail" (environment: AutoResponder__Mail__Name). A problem never stops start-up: mail
/// waits.
/// </summary>
internal sealed class MailOptions
{
    public const string Section = "AutoResponder:Mail";
    public const string DefaultSender = "autoresponder@localhost";
    public const string Area = "Mail";
    public const string Effect =
        "status e-mails, ops exports and reminder e-mails wait in the outbox (no attempts spent) and go out after " +
        "the app restarts with the setting fixed";

    /// <summary>
    /// With Graph live and status e-mails on, mail needs a real mailbox to send from (not the placeholder).
    /// </summary>
    public static IEnumerable<string> SenderProblems(MailOptions o, AutoResponder.Graph.GraphOptions graph,
        Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var statusEmails = !bool.TryParse(configuration["AutoResponder:StatusEmails:Enabled"], out var on) || on;
        if (graph.EffectiveMode == AutoResponder.Graph.GraphMode.Live && statusEmails
            && string.IsNullOrWhiteSpace(o.Sender))
            yield return $"{Section}:Sender is required when Graph is live and status e-mails are on: the mailbox " +
                $"mail is sent from (Mail.Send scoped to it; azd env: AUTORESPONDER_MAIL_SENDER).";
    }

    public const string NoManagersProblem = Section
        + ":ManagerRecipients has no address for this incident (set :Default, :Severity:SevN or :Service:NAME) and "
        + Section + ":FallbackAddress is not set.";
    public const string NoOpsProblem = Section + ":OpsRecipients is not set, nor " + Section
        + ":FallbackAddress: operations get no impact export.";

    /// <summary>
    /// Status e-mails on with nobody to send them to: a finding at start (the e-mails wait), not a parked action per
    /// incident. A deployment that routes only some severities or services has no finding here; an incident nobody's
    /// list covers waits with <see cref="NoManagersProblem"/>.
    /// </summary>
    public static IEnumerable<string> RecipientProblems(MailOptions o,
        Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var statusEmails = !bool.TryParse(configuration["AutoResponder:StatusEmails:Enabled"], out var on) || on;
        var anyManager = !string.IsNullOrWhiteSpace(o.ManagerRecipients.Default)
            || o.ManagerRecipients.Severity.Count > 0
                         || o.ManagerRecipients.Service.Count > 0 || !string.IsNullOrWhiteSpace(o.FallbackAddress);
        if (statusEmails && !anyManager)
            yield return $"{Section}:ManagerRecipients:Default (or {Section}:FallbackAddress) is required when " +
                $"status e-mails are on: nobody would receive them (azd env: AUTORESPONDER_MAIL_MANAGER_RECIPIENTS).";
    }

    /// <summary>
    /// The mailbox mail is sent from (Graph: /users/{Sender}/sendMail, app-only Mail.Send scoped to this
    /// mailbox). The Graph connection itself is AutoResponder:Graph (shared with Teams).
    /// </summary>
    public string? Sender { get; set; }
    /// <summary>Manager recipients by severity and by service (both apply and are merged), else Default.</summary>
    public ManagerRecipientOptions ManagerRecipients { get; set; } = new();
    /// <summary>Operations distribution list for order-impact exports.</summary>
    public string? OpsRecipients { get; set; }
    /// <summary>Used when nobody else matches (no manager configured, owner without a mail address).</summary>
    public string? FallbackAddress { get; set; }
    public bool SaveToSentItems { get; set; } = true;
    /// <summary>Exports up to this size are attached; larger ones are linked.</summary>
    public int MaxAttachmentBytes { get; set; } = 3 * 1024 * 1024;
    /// <summary>
    /// Attach the ops export's CSV (customer data) when it fits <see cref="MaxAttachmentBytes"/> (default). False: the
    /// mail only names the authenticated download route, so every copy of the data leaves through a recorded download.
    /// </summary>
    public bool AttachExports { get; set; } = true;

    public string SenderMailbox => string.IsNullOrWhiteSpace(Sender) ? DefaultSender : Sender.Trim();

    public static IReadOnlyList<string> SplitAddresses(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? [] : value.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static bool LooksLikeAddress(string? value) =>
        value is { Length: >= 3 } && value.IndexOf('@') is > 0 and var at && at < value.Length - 1
            && !value.Any(char.IsWhiteSpace);

    /// <summary>
    /// Managers for the incident: its service's and its severity's lists merged, else "default", else the fallback.
    /// </summary>
    public IReadOnlyList<string> ManagersFor(IncidentRecord incident)
    {
        var list = new List<string>();
        if (!string.IsNullOrEmpty(incident.Service)
            && ManagerRecipients.Service.TryGetValue(incident.Service,
            out var byService)) list.AddRange(SplitAddresses(byService));
        if (ManagerRecipients.Severity.TryGetValue(incident.SeverityName, out var bySeverity))
            list.AddRange(SplitAddresses(bySeverity));
        if (list.Count == 0) list.AddRange(SplitAddresses(ManagerRecipients.Default));
        if (list.Count == 0) list.AddRange(SplitAddresses(FallbackAddress));
        return list.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public IReadOnlyList<string> Ops()
    {
        var list = SplitAddresses(OpsRecipients);
        return list.Count > 0 ? list : SplitAddresses(FallbackAddress);
    }

    /// <summary>The owner when the owner is a mail address (UPN), else the fallback address.</summary>
    public IReadOnlyList<string> OwnerOf(IncidentRecord incident) =>
        LooksLikeAddress(incident.Owner) ? [incident.Owner!] : SplitAddresses(FallbackAddress);
}

/// <summary>
/// "AutoResponder:Mail:ManagerRecipients": addresses separated by ';' or ','. Environment examples:
/// AutoResponder__Mail__ManagerRecipients__Severity__Sev1 = "cto@x.com;ops-lead@x.com",
/// AutoResponder__Mail__ManagerRecipients__Service__payments = "payments-lead@x.com",
/// AutoResponder__Mail__ManagerRecipients__Default = "managers@x.com".
/// </summary>
internal sealed class ManagerRecipientOptions
{
    public Dictionary<string, string> Severity { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, string> Service { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public string? Default { get; set; }
}

internal sealed class MailOptionsValidator : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string message) { if (!ok) errors.Add($"{MailOptions.Section}:{setting} {message}"); }

        Check(o.Sender is null || MailOptions.LooksLikeAddress(o.Sender), "Sender",
            $"'{o.Sender}' is not a mail address.");
        foreach (var (key, value) in o.ManagerRecipients.Severity)
        {
            Check(Enum.TryParse<Severity>(key, out var severity) && Enum.IsDefined(severity)
                && !int.TryParse(key, out _),
                $"ManagerRecipients:Severity:{key}", "is not a severity: use Sev0..Sev4.");
            CheckAddresses($"ManagerRecipients:Severity:{key}", value);
        }
        foreach (var (key, value) in o.ManagerRecipients.Service)
            CheckAddresses($"ManagerRecipients:Service:{key}", value);
        CheckAddresses("ManagerRecipients:Default", o.ManagerRecipients.Default);
        void CheckAddresses(string setting, string? value)
        {
            foreach (var address in MailOptions.SplitAddresses(value))
                Check(MailOptions.LooksLikeAddress(address), setting, $"'{address}' is not a mail address.");
        }
        foreach (var address in MailOptions.SplitAddresses(o.OpsRecipients))
            Check(MailOptions.LooksLikeAddress(address), "OpsRecipients", $"'{address}' is not a mail address.");
        Check(o.FallbackAddress is null || MailOptions.LooksLikeAddress(o.FallbackAddress), "FallbackAddress",
            $"'{o.FallbackAddress}' is not a mail address.");
        Check(o.MaxAttachmentBytes is >= 0 and <= 3 * 1024 * 1024, "MaxAttachmentBytes",
            "must be between 0 and 3145728 (Graph's sendMail limit for a request with attachments is about 4 MB).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
