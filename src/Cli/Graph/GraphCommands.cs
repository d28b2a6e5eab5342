using System.CommandLine;
using AutoResponder.Composition;
using AutoResponder.Graph;
using AutoResponder.Storage;

namespace AutoResponder.Cli.Graph;

/// <summary>
/// `autoresponder graph login|status|logout`: signs the Graph service account in once (device code) and
/// stores the sign-in in Blob storage, where the hosts read it. Uses the same settings as the hosts
/// (environment, appsettings.json): AzureWebJobsStorage and AutoResponder:Graph:*.
/// </summary>
internal static class GraphCommands
{
    public static Command Create()
    {
        var login = new Command("login",
            "Sign the Graph service account in (device code) and store the sign-in in Blob storage for the hosts.");
        login.SetAction(async (_, ct) => await WithSignInAsync(async signIn =>
        {
            var record = await signIn.LoginAsync((code, _) =>
            {
                Console.WriteLine(code.Message);
                return Task.CompletedTask;
            }, ct);
            Console.WriteLine($"Signed in as {record.Username} (tenant {record.TenantId}). The hosts now get tokens " +
                $"silently; no restart needed.");
            return 0;
        }));

        var status = new Command("status", "Check that a token can be acquired silently, as the hosts do.");
        status.SetAction(async (_, ct) => await WithSignInAsync(async signIn =>
        {
            try
            {
                var expires = await signIn.CheckAsync(ct);
                Console.WriteLine($"OK: the service account's sign-in works (token valid until {expires:u}).");
                return 0;
            }
            catch (Exception e) when (GraphErrors.IsSignInRequired(e))
            {
                Console.Error.WriteLine($"Not signed in: {e.Message}\nFix: {ServiceAccountCredential.LoginHint}.");
                return 2;
            }
        }));

        var logout = new Command("logout",
            "Delete the stored sign-in (record and token cache). Teams posts wait until the next login.");
        logout.SetAction(async (_, ct) => await WithSignInAsync(async signIn =>
        {
            await signIn.LogoutAsync(ct);
            Console.WriteLine("Stored Graph sign-in deleted.");
            return 0;
        }));

        return new Command("graph", "Microsoft Graph service account (Teams posts).") { login, status, logout };
    }

    private static async Task<int> WithSignInAsync(Func<GraphSignIn, Task<int>> run)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        StorageClients.DefaultToDevelopmentStorage(builder.Configuration);
        builder.Services.AddAutoResponder(builder.Configuration);
        using var host = builder.Build();
        try
        {
            return await run(host.Services.GetRequiredService<GraphSignIn>());
        }
        catch (Exception e) when (e is InvalidOperationException or AutoResponder.Hosting.NotConfiguredException or Microsoft.Extensions.Options.OptionsValidationException or Azure.Identity.AuthenticationFailedException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}
