using AutoResponder.Graph;
using AutoResponder.Mail;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Tests.Graph;

/// <summary>How Graph is judged for this deployment: problems are findings (Graph waits), never a stopped start-up.</summary>
public class GraphSetupTests
{
    private static (IConfiguration Configuration, GraphOptions Options) Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new GraphOptions();
        configuration.GetSection(GraphOptions.Section).Bind(options);
        return (configuration, options);
    }

    [Fact]
    public void In_Azure_with_Teams_or_mail_on_and_no_Graph_ids_Graph_is_not_configured_naming_the_settings()
    {
        var (configuration, options) = Read(new() { ["WEBSITE_SITE_NAME"] = "func-autoresponder" });

        var problem = Assert.Single(GraphSetup.DeploymentProblems(configuration, options));

        Assert.Contains("AutoResponder:Graph:TenantId", problem);
        Assert.Contains("AutoResponder:Graph:ClientId", problem);
        Assert.Contains("Teams and status e-mails are on", problem);
    }

    [Fact]
    public void In_Azure_with_Teams_and_mail_off_file_mode_is_harmless_and_outside_Azure_it_is_the_default()
    {
        var (off, offOptions) = Read(new() { ["WEBSITE_SITE_NAME"] = "func-autoresponder", ["AutoResponder:Teams:Enabled"] = "false", ["AutoResponder:StatusEmails:Enabled"] = "false" });
        Assert.Empty(GraphSetup.DeploymentProblems(off, offOptions));
        var (local, localOptions) = Read(new());
        Assert.Empty(GraphSetup.DeploymentProblems(local, localOptions));
    }

    [Fact]
    public void Live_Graph_with_status_emails_needs_a_sender()
    {
        var live = new Dictionary<string, string?>
        {
            ["WEBSITE_SITE_NAME"] = "func-autoresponder",
            ["AutoResponder:Graph:TenantId"] = "contoso.onmicrosoft.com",
            ["AutoResponder:Graph:ClientId"] = "0c8a2d4e-1111-4a2b-9c3d-5e6f7a8b9c0d",
        };
        var (configuration, options) = Read(live);
        Assert.Contains("AutoResponder:Mail:Sender is required", Assert.Single(MailOptions.SenderProblems(new MailOptions(), options, configuration)));
        Assert.Empty(MailOptions.SenderProblems(new MailOptions { Sender = "incidents@contoso.com" }, options, configuration));
    }

    [Fact]
    public void An_unresolved_Key_Vault_reference_for_the_token_cache_key_matters_only_when_Graph_is_live()
    {
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/graph-token-cache-key/)";
        Assert.True(new GraphOptionsValidator().Validate(null, new GraphOptions { TokenCacheKey = reference }).Succeeded);

        var live = new GraphOptions { TenantId = "contoso.onmicrosoft.com", ClientId = "0c8a2d4e-1111-4a2b-9c3d-5e6f7a8b9c0d", TokenCacheKey = reference };
        var failure = Assert.Single(new GraphOptionsValidator().Validate(null, live).Failures!);
        Assert.StartsWith("AutoResponder:Graph:TokenCacheKey ", failure);
        Assert.Contains("did not resolve", failure);
    }
}
