using System.Text.Json;
using AutoResponder.Changes;

namespace AutoResponder.Tests.Changes;

/// <summary>The GitHub and Azure DevOps events besides deployment_status and pipeline runs, and the mapping's validation.</summary>
public sealed class ChangeParserTests
{
    private static ChangesOptions Options(params (string Service, string? Repositories, string? Pipelines)[] services)
    {
        var o = new ChangesOptions();
        foreach (var (service, repositories, pipelines) in services) o.Services[service] = new ChangeServiceOptions { Repositories = repositories, Pipelines = pipelines };
        return o;
    }

    private static readonly ChangeParser Parser = new(new ChangeMapping(Microsoft.Extensions.Options.Options.Create(Options(("checkout", "shop/checkout", "checkout-release")))));

    private static ChangeParse GitHub(string gitHubEvent, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Parser.ParseGitHub(gitHubEvent, "delivery-1", doc.RootElement.Clone(), "hash");
    }

    [Fact]
    public void A_push_to_the_default_branch_a_published_release_and_a_completed_workflow_run_are_changes_other_events_are_not()
    {
        const string repo = "\"repository\":{\"full_name\":\"shop/checkout\",\"default_branch\":\"main\"}";
        var push = GitHub("push", $$$"""{"ref":"refs/heads/main","after":"abc1234def",{{{repo}}},"head_commit":{"message":"Editable price field\n\nlong text","timestamp":"2026-11-26T08:00:00+01:00","url":"https://github.com/shop/checkout/commit/abc1234def","author":{"name":"Dev"}} }""").Change!;
        Assert.Equal(("checkout", "push", "Push to main of shop/checkout: Editable price field", "Dev"), (push.Service, push.Kind, push.Summary, push.Author));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 7, 0, 0, TimeSpan.Zero), push.At);
        Assert.NotNull(GitHub("push", $$$"""{"ref":"refs/heads/feature",{{{repo}}} }""").Ignored);

        var release = GitHub("release", $$$"""{"action":"published",{{{repo}}},"release":{"tag_name":"v3.8.0","published_at":"2026-11-26T07:30:00Z","html_url":"https://github.com/shop/checkout/releases/v3.8.0","author":{"login":"rel"}} }""").Change!;
        Assert.Equal(("release", "Release v3.8.0 of shop/checkout", "https://github.com/shop/checkout/releases/v3.8.0"), (release.Kind, release.Summary, release.Link));
        Assert.NotNull(GitHub("release", $$$"""{"action":"created",{{{repo}}},"release":{"tag_name":"v3.8.0"}}""").Ignored);

        var run = GitHub("workflow_run", $$$"""{"action":"completed",{{{repo}}},"workflow_run":{"name":"deploy","conclusion":"success","head_branch":"main","head_sha":"abc","updated_at":"2026-11-26T07:40:00Z","html_url":"https://github.com/shop/checkout/actions/runs/1"}}""").Change!;
        Assert.Equal(("workflow-run", "Workflow deploy of shop/checkout on main: success"), (run.Kind, run.Summary));
        Assert.NotNull(GitHub("workflow_run", $$$"""{"action":"requested",{{{repo}}} }""").Ignored);
        Assert.NotNull(GitHub("ping", "{}").Ignored);
        Assert.NotNull(GitHub("issues", $$$"""{ {{{repo}}} }""").Ignored);
    }

    [Fact]
    public void An_Azure_DevOps_release_deployment_is_filed_under_the_release_definitions_service()
    {
        using var doc = JsonDocument.Parse("""
            {"id":"e1","eventType":"ms.vss-release.deployment-completed-event","publisherId":"rm","message":{"text":"Deployment of release Release-12 on environment Production Succeeded."},
             "resource":{"environment":{"name":"Production","status":"succeeded","modifiedOn":"2026-11-26T07:00:00Z","releaseDefinition":{"name":"checkout-release"},"release":{"name":"Release-12"}}},
             "createdDate":"2026-11-26T07:01:00Z"}
            """);
        Assert.True(ChangeParser.IsAzureDevOps(doc.RootElement));
        var change = Parser.ParseAzureDevOps(doc.RootElement, "hash").Change!;
        Assert.Equal(("checkout", "release-deployment", "Production", "checkout-release"), (change.Service, change.Kind, change.Environment, change.Origin));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 7, 0, 0, TimeSpan.Zero), change.At);
    }

    [Fact]
    public void A_repository_mapped_to_two_services_or_a_malformed_one_stops_start_up_naming_the_setting()
    {
        var validator = new ChangesOptionsValidator();
        Assert.True(validator.Validate(null, Options(("checkout", "shop/checkout", null), ("payments", "shop/payments", null))).Succeeded);
        var twice = validator.Validate(null, Options(("checkout", "shop/checkout", null), ("payments", "shop/checkout", null)));
        Assert.Contains(twice.Failures!, f => f.Contains("AutoResponder:Changes:Services:payments:Repositories") && f.Contains("already mapped to checkout"));
        var malformed = validator.Validate(null, Options(("checkout", "checkout", null)));
        Assert.Contains(malformed.Failures!, f => f.Contains("owner/name"));
        Assert.False(validator.Validate(null, new ChangesOptions { LookbackHours = 0 }).Succeeded);
    }
}
