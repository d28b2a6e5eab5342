using System.Net;
using System.Text.Json.Nodes;
using AutoResponder.Graph;
using AutoResponder.Hosting;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Graph.Models;

namespace AutoResponder.Tests.Graph;

public sealed class GraphClientsTests
{
    private static ServiceProvider Build(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero)));
        services.AddGraph(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static ChatMessage Message(string text) => new() { Body = new ItemBody { ContentType = BodyType.Html, Content = text } };

    [Fact]
    public async Task Throttled_post_is_retried_after_Retry_After_and_posts_once()
    {
        var fake = new FakeGraphHandler().ThenStatus(HttpStatusCode.TooManyRequests, retryAfter: "0");
        await using var sp = Build(configure: s => s.AddSingleton(new GraphTransport(() => fake)));

        var posted = await sp.GetRequiredService<GraphClients>().Delegated.Teams["team-1"].Channels["chan-1"].Messages.PostAsync(Message("hello"));

        Assert.Equal(2, fake.Requests.Count); // the 429, then the retry
        Assert.All(fake.Requests, r => Assert.Equal("/v1.0/teams/team-1/channels/chan-1/messages", r.Path));
        Assert.Equal(fake.Requests[0].Body, fake.Requests[1].Body);
        Assert.Equal("hello", fake.Requests[1].Json!["body"]!["content"]!.GetValue<string>());
        Assert.Equal("html", fake.Requests[1].Json!["body"]!["contentType"]!.GetValue<string>());
        Assert.NotNull(posted?.Id);
    }

    [Fact]
    public async Task Service_unavailable_beyond_the_retry_budget_surfaces_as_an_error()
    {
        var fake = new FakeGraphHandler();
        for (var i = 0; i < 4; i++) fake.ThenStatus(HttpStatusCode.ServiceUnavailable, retryAfter: "0");
        await using var sp = Build(configure: s => s.AddSingleton(new GraphTransport(() => fake)));

        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            sp.GetRequiredService<GraphClients>().Delegated.Teams["t"].Channels["c"].Messages.PostAsync(Message("x")));

        Assert.Equal(503, GraphErrors.StatusCode(error));
        Assert.Equal(4, fake.Requests.Count); // first try + RetryHandler's 3 retries
    }

    [Fact]
    public async Task The_bearer_token_is_attached_only_to_requests_for_Graph()
    {
        var fake = new FakeGraphHandler();
        await using var sp = Build(configure: s => s.AddSingleton(new GraphTransport(() => fake)));
        var messages = sp.GetRequiredService<GraphClients>().Delegated.Teams["t"].Channels["c"].Messages;

        await messages.GetAsync();
        await messages.WithUrl("https://collector.example/v1.0/teams/t/channels/c/messages").GetAsync();

        Assert.Equal("Bearer file-outbox", fake.Requests[0].Authorization);
        Assert.Equal("collector.example", fake.Requests[1].Uri.Host);
        Assert.Null(fake.Requests[1].Authorization);
    }

    [Fact]
    public async Task App_only_client_sends_mail_through_the_same_pipeline()
    {
        var fake = new FakeGraphHandler().ThenStatus(HttpStatusCode.TooManyRequests, retryAfter: "0");
        fake.Then(_ => new HttpResponseMessage(HttpStatusCode.Accepted));
        await using var sp = Build(configure: s => s.AddSingleton(new GraphTransport(() => fake)));

        await sp.GetRequiredService<GraphClients>().AppOnly.Users["ops@contoso.com"].SendMail.PostAsync(new Microsoft.Graph.Users.Item.SendMail.SendMailPostRequestBody
        {
            Message = new Message { Subject = "Sev1 status", ToRecipients = [new Recipient { EmailAddress = new EmailAddress { Address = "boss@contoso.com" } }] },
        });

        Assert.Equal(2, fake.Requests.Count);
        Assert.Equal("/v1.0/users/ops@contoso.com/sendMail", fake.Requests[1].Path);
        Assert.Equal("boss@contoso.com", fake.Requests[1].Json!["Message"]!["toRecipients"]![0]!["emailAddress"]!["address"]!.GetValue<string>());
    }

    [Fact]
    public async Task File_mode_writes_each_request_to_the_outbox_folder_and_answers_like_Graph()
    {
        var folder = Path.Combine(Path.GetTempPath(), "ar-graph-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var sp = Build(new() { ["AutoResponder:Graph:OutboxFolder"] = folder });
            var clients = sp.GetRequiredService<GraphClients>();
            Assert.Equal(GraphMode.File, clients.Mode);

            var root = await clients.Delegated.Teams["team-1"].Channels["chan-1"].Messages.PostAsync(Message("<b>root</b>"));
            await clients.Delegated.Teams["team-1"].Channels["chan-1"].Messages[root!.Id].PatchAsync(Message("<b>updated</b>"));

            Assert.False(string.IsNullOrEmpty(root.Id));
            var files = Directory.GetFiles(folder).Order().ToArray();
            Assert.Equal(2, files.Length);
            var first = JsonNode.Parse(await File.ReadAllTextAsync(files[0]))!;
            Assert.Equal("POST", first["method"]!.GetValue<string>());
            Assert.Equal("https://graph.microsoft.com/v1.0/teams/team-1/channels/chan-1/messages", first["url"]!.GetValue<string>());
            Assert.Equal("<b>root</b>", first["body"]!["body"]!["content"]!.GetValue<string>());
            var second = JsonNode.Parse(await File.ReadAllTextAsync(files[1]))!;
            Assert.Equal("PATCH", second["method"]!.GetValue<string>());
            Assert.EndsWith($"/messages/{root.Id}", second["url"]!.GetValue<string>());
            // Mails carry customer data (the ops export): the files are the owner's alone, whatever the umask.
            if (!OperatingSystem.IsWindows())
            {
                foreach (var f in files) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
            }
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(null, null, null, GraphMode.File)]
    [InlineData("auto", "contoso.onmicrosoft.com", "6f1d2b1c-8a7e-4c59-9d0e-0d5b8c1f2a33", GraphMode.Live)]
    [InlineData("file", "contoso.onmicrosoft.com", "6f1d2b1c-8a7e-4c59-9d0e-0d5b8c1f2a33", GraphMode.File)]
    public void Auto_mode_is_live_only_with_tenant_and_client(string? mode, string? tenant, string? client, GraphMode expected)
    {
        var options = new GraphOptions { Mode = mode ?? "auto", TenantId = tenant, ClientId = client };
        Assert.Equal(expected, options.EffectiveMode);
    }

    [Theory]
    [InlineData("sometimes", null, null, "AutoResponder:Graph:Mode")]
    [InlineData("live", null, "6f1d2b1c-8a7e-4c59-9d0e-0d5b8c1f2a33", "AutoResponder:Graph:TenantId")]
    [InlineData("auto", "contoso.onmicrosoft.com", null, "AutoResponder:Graph:ClientId")]
    [InlineData("live", "contoso.onmicrosoft.com", "not-a-guid", "AutoResponder:Graph:ClientId")]
    public void Bad_settings_fail_with_a_message_naming_the_setting(string mode, string? tenant, string? client, string setting)
    {
        var result = new GraphOptionsValidator().Validate(null, new GraphOptions { Mode = mode, TenantId = tenant, ClientId = client });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(setting + " "));
    }

    [Fact]
    public void Sign_in_failures_are_recognised_through_wrapping()
    {
        var required = new AuthenticationRequiredException("expired", new TokenRequestContext(["scope"]));
        Assert.True(GraphErrors.IsSignInRequired(new InvalidOperationException("outer", required)));
        Assert.True(GraphErrors.IsSignInRequired(new CredentialUnavailableException("no record")));
        Assert.False(GraphErrors.IsSignInRequired(new HttpRequestException("network")));
    }

    [Fact]
    public async Task A_bad_configuration_does_not_stop_start_up_it_is_a_finding_and_every_call_waits()
    {
        await using var sp = Build(new() { ["AutoResponder:Graph:Mode"] = "live" });

        Assert.Equal("live", sp.GetRequiredService<IOptions<GraphOptions>>().Value.Mode); // reading the settings does not throw
        var finding = Assert.Single(sp.GetRequiredService<SetupFindings>().All, f => f.Setting == "AutoResponder__Graph__TenantId");
        Assert.Equal("Graph", finding.Area);
        var error = await Assert.ThrowsAsync<NotConfiguredException>(() =>
            sp.GetRequiredService<GraphClients>().Delegated.Teams["team-1"].Channels["chan-1"].Messages.PostAsync(Message("hello")));
        Assert.Contains("AutoResponder:Graph:TenantId", error.Message);
    }

    [Fact]
    public async Task In_Azure_without_Graph_ids_nothing_is_written_to_the_file_outbox_the_call_waits()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"graph-{Guid.NewGuid():N}");
        await using var sp = Build(new() { ["WEBSITE_SITE_NAME"] = "func-autoresponder", ["AutoResponder:Graph:OutboxFolder"] = folder });

        var error = await Assert.ThrowsAsync<NotConfiguredException>(() =>
            sp.GetRequiredService<GraphClients>().AppOnly.Users["incidents@shop.example"].SendMail.PostAsync(new()));

        Assert.Contains("AutoResponder:Graph:ClientId", error.Message);
        Assert.False(Directory.Exists(folder)); // the package folder is read-only in Azure: never tried
    }
}
