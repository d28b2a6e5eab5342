using AutoResponder.Graph;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Tests.Graph;

public class GraphDeploymentValidatorTests
{
    private static string? Validate(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new GraphOptions();
        configuration.GetSection(GraphOptions.Section).Bind(options);
        var result = new GraphDeploymentValidator(configuration).Validate(null, options);
        return result.Failed ? result.FailureMessage : null;
    }

    [Fact]
    public void In_Azure_file_mode_with_Teams_or_mail_on_stops_start_up_naming_the_settings()
    {
        var error = Validate(new() { ["WEBSITE_SITE_NAME"] = "func-autoresponder" });

        Assert.NotNull(error);
        Assert.Contains("AutoResponder:Graph:TenantId", error);
        Assert.Contains("AutoResponder:Graph:ClientId", error);
        Assert.Contains("AutoResponder:Teams:Enabled and AutoResponder:StatusEmails:Enabled", error);
    }

    [Fact]
    public void In_Azure_with_Teams_and_mail_off_file_mode_is_harmless_and_outside_Azure_it_is_the_default()
    {
        Assert.Null(Validate(new() { ["WEBSITE_SITE_NAME"] = "func-autoresponder", ["AutoResponder:Teams:Enabled"] = "false", ["AutoResponder:StatusEmails:Enabled"] = "false" }));
        Assert.Null(Validate(new()));
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
        Assert.Contains("AutoResponder:Mail:Sender is required", Validate(live));

        live["AutoResponder:Mail:Sender"] = "incidents@contoso.com";
        Assert.Null(Validate(live));
    }
}
