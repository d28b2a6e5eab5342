using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AutoResponder.Graph;

/// <summary>
/// Start-up checks of how Graph is used in this deployment, each naming the settings to fix:
/// <list type="bullet">
/// <item>In Azure (App Service / Functions set WEBSITE_SITE_NAME) the file transport is never used: the package
/// mount is read-only, so every Teams post and e-mail would fail. With Teams or status e-mails on, Graph must be
/// live (AutoResponder:Graph:TenantId and ClientId) or the feature turned off.</item>
/// <item>With Graph live and status e-mails on, AutoResponder:Mail:Sender is required (mail would otherwise go
/// from the placeholder mailbox).</item>
/// </list>
/// </summary>
public sealed class GraphDeploymentValidator(IConfiguration configuration) : IValidateOptions<GraphOptions>
{
    public const string AzureSiteSetting = "WEBSITE_SITE_NAME";

    public ValidateOptionsResult Validate(string? name, GraphOptions o)
    {
        var inAzure = !string.IsNullOrWhiteSpace(configuration[AzureSiteSetting]);
        var teams = On("AutoResponder:Teams:Enabled");
        var mail = On("AutoResponder:StatusEmails:Enabled");
        var errors = new List<string>();
        if (inAzure && o.EffectiveMode != GraphMode.Live && (teams || mail))
        {
            var features = string.Join(" and ", new[] { teams ? "AutoResponder:Teams:Enabled" : null, mail ? "AutoResponder:StatusEmails:Enabled" : null }.OfType<string>());
            errors.Add($"{GraphOptions.Section}:TenantId and {GraphOptions.Section}:ClientId are required in Azure: {features} is on and Graph is in file mode, " +
                       $"which writes to {o.OutboxFolder} on the read-only package mount. Set both (then run `autoresponder graph login`), or set {features}=false.");
        }
        if (o.EffectiveMode == GraphMode.Live && mail && string.IsNullOrWhiteSpace(configuration["AutoResponder:Mail:Sender"]))
            errors.Add("AutoResponder:Mail:Sender is required when Graph is live and status e-mails are on: the mailbox mail is sent from (Mail.Send scoped to it).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private bool On(string setting) => !bool.TryParse(configuration[setting], out var on) || on; // on unless set to false
}
