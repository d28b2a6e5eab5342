using System.Globalization;
using System.Text.Json;
using AutoResponder.Storage;

namespace AutoResponder.Changes;

/// <summary>
/// A change as read from a delivery, before it is stored. <see cref="DeliveryKey"/> makes its row key.
/// </summary>
public sealed record ParsedChange(string Service, DateTimeOffset At, string Source, string Kind, string Summary,
    string? Author, string? Commit, string? Environment, string? Link, string? Origin, string DeliveryKey);

/// <summary>
/// What a delivery is: a change to store, or an event that is not a change (answered, nothing stored).
/// </summary>
internal sealed record ChangeParse(ParsedChange? Change, string? Ignored)
{
    public static ChangeParse Of(ParsedChange change) => new(change, null);
    public static ChangeParse Ignore(string why) => new(null, why);
}

/// <summary>
/// A delivery that cannot be filed; <see cref="Field"/> names the JSON path (or header) at fault. Nothing is stored.
/// </summary>
internal sealed class ChangeInputException(string field, string message, int status = 422) : Exception(message)
{
    public string Field { get; } = field;
    public int Status { get; } = status;
}

/// <summary>
/// Reads the three delivery forms: GitHub webhooks (by the X-GitHub-Event header), Azure DevOps service hooks (a body
/// with eventType and publisherId) and the generic form {service, summary, at, author?, commit?, environment?, link?}.
/// </summary>
internal sealed class ChangeParser(ChangeMapping mapping)
{
    public const int MaxSummary = 500;

    public ChangeParse ParseGitHub(string gitHubEvent, string? deliveryId, JsonElement body, string bodyHash)
    {
        Object(body);
        var key = $"github:{(string.IsNullOrEmpty(deliveryId) ? bodyHash : deliveryId)}";
        if (gitHubEvent == "ping") return ChangeParse.Ignore("GitHub ping: the webhook reaches AutoResponder.");
        if (gitHubEvent is not ("deployment_status" or "release" or "push" or "workflow_run"))
            return ChangeParse.Ignore($"GitHub event '{gitHubEvent}' is not a change (deployment_status, release, " +
                $"push and workflow_run are).");

        var repository = Text(body, "repository.full_name", required: true)!;
        var service = mapping.ServiceOfRepository(repository)
            ?? throw new ChangeInputException("repository.full_name",
                $"The repository '{repository}' is not mapped to a service: set " +
                $"AutoResponder:Changes:Services:<service>:Repositories.");
        var sender = Text(body, "sender.login");
        switch (gitHubEvent)
        {
            case "deployment_status":
                {
                    var state = Text(body, "deployment_status.state", required: true)!;
                    if (state is "pending" or "queued" or "in_progress" or "waiting")
                        return ChangeParse.Ignore($"Deployment state '{state}': recorded when it finishes.");
                    var environment = Text(body, "deployment_status.environment")
                        ?? Text(body, "deployment.environment");
                    var sha = Text(body, "deployment.sha");
                    return ChangeParse.Of(new(service, Time(body, "deployment_status.created_at"), "github",
                        "deployment",
                        $"Deployment of {repository}{(sha is null ? "" : "@" + Short(sha))} to " +
                        $"{environment ?? "an environment"}: {state}",
                        Text(body, "deployment_status.creator.login") ?? sender, sha, environment,
                        Url(body, "deployment_status.target_url") ?? Url(body, "deployment_status.environment_url")
                            ?? Url(body, "deployment.url"), repository, key));
                }
            case "release":
                {
                    var action = Text(body, "action", required: true)!;
                    if (action is not ("published" or "released"))
                        return ChangeParse.Ignore(
                            $"Release action '{action}' is not a release going out (published is).");
                    var tag = Text(body, "release.tag_name", required: true)!;
                    var name = Text(body, "release.name");
                    return ChangeParse.Of(new(service, Time(body, "release.published_at"), "github", "release",
                        $"Release {tag}{(string.IsNullOrEmpty(name) || name == tag ? "" : $" ({name})")} of {repository}",
                        Text(body, "release.author.login") ?? sender, Text(body, "release.target_commitish"), null,
                        Url(body, "release.html_url"), repository, key));
                }
            case "push":
                {
                    var branch = Text(body, "repository.default_branch", required: true)!;
                    var pushed = Text(body, "ref", required: true)!;
                    if (pushed != "refs/heads/" + branch)
                        return ChangeParse.Ignore(
                            $"Push to {pushed}: only pushes to the default branch ({branch}) are changes.");
                    if (body.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True)
                        return ChangeParse.Ignore("The default branch was deleted: not a change to record.");
                    var message = Text(body, "head_commit.message");
                    var after = Text(body, "after");
                    return ChangeParse.Of(new(service, Time(body, "head_commit.timestamp"), "github", "push",
                        $"Push to {branch} of {repository}{(message is null ? "" : ": " + FirstLine(message))}",
                        Text(body, "head_commit.author.name") ?? Text(body, "pusher.name") ?? sender, after, null,
                        Url(body, "head_commit.url") ?? Url(body, "compare"), repository, key));
                }
            default: // workflow_run
                {
                    var action = Text(body, "action", required: true)!;
                    if (action != "completed")
                        return ChangeParse.Ignore($"Workflow run '{action}': recorded when completed.");
                    var name = Text(body, "workflow_run.name") ?? "workflow";
                    var conclusion = Text(body, "workflow_run.conclusion") ?? "completed";
                    var branch = Text(body, "workflow_run.head_branch");
                    return ChangeParse.Of(new(service, Time(body, "workflow_run.updated_at"), "github", "workflow-run",
                        $"Workflow {name} of {repository}{(branch is null ? "" : $" on {branch}")}: {conclusion}",
                        Text(body, "workflow_run.actor.login") ?? sender, Text(body, "workflow_run.head_sha"), null,
                        Url(body, "workflow_run.html_url"), repository, key));
                }
        }
    }

    public static bool IsAzureDevOps(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("eventType", out _)
            && body.TryGetProperty("publisherId", out _);

    public ChangeParse ParseAzureDevOps(JsonElement body, string bodyHash)
    {
        var eventType = Text(body, "eventType", required: true)!;
        var key = $"azure-devops:{Text(body, "id") ?? bodyHash}";
        var message = Text(body, "message.text");
        string pipeline;
        switch (eventType)
        {
            case "ms.vss-pipelines.run-state-changed-event":
                {
                    var state = Text(body, "resource.run.state", required: true)!;
                    if (!state.Equals("completed", StringComparison.OrdinalIgnoreCase))
                        return ChangeParse.Ignore($"Pipeline run state '{state}': recorded when completed.");
                    pipeline = Text(body, "resource.pipeline.name")
                        ?? Text(body, "resource.run.pipeline.name", required: true)!;
                    var service = PipelineService(pipeline, "resource.pipeline.name");
                    var result = Text(body, "resource.run.result") ?? "completed";
                    return ChangeParse.Of(new(service, Time(body, "resource.run.finishedDate", "createdDate"),
                        "azure-devops", "pipeline-run",
                        Summary(message, $"Pipeline {pipeline} run {Text(body, "resource.run.name") ?? ""} {result}"),
                        Text(body, "resource.run.requestedFor.displayName"),
                        Text(body, "resource.run.resources.repositories.self.version"), null,
                        Url(body, "resource.run._links.web.href") ?? Url(body, "resource.run.url"), pipeline, key));
                }
            case "ms.vss-release.deployment-completed-event":
                {
                    pipeline = Text(body, "resource.environment.releaseDefinition.name")
                        ?? Text(body, "resource.release.releaseDefinition.name")
                        ?? Text(body, "resource.deployment.releaseDefinition.name", required: true)!;
                    var service = PipelineService(pipeline, "resource.environment.releaseDefinition.name");
                    var environment = Text(body, "resource.environment.name");
                    var release = Text(body, "resource.environment.release.name") ?? Text(body, "resource.release.name")
                        ?? Text(body, "resource.deployment.release.name");
                    var status = Text(body, "resource.environment.status")
                        ?? Text(body, "resource.deployment.deploymentStatus") ?? "completed";
                    return ChangeParse.Of(new(service, Time(body, "resource.environment.modifiedOn", "createdDate"),
                        "azure-devops", "release-deployment",
                        Summary(message, $"Release {release ?? pipeline} to {environment ?? "an environment"}: {status}"),
                        Text(body, "resource.deployment.requestedFor.displayName")
                            ?? Text(body, "resource.release.createdBy.displayName"), null, environment,
                        Url(body, "resource.release._links.web.href")
                            ?? Url(body, "resource.environment.release._links.web.href"), pipeline, key));
                }
            case "build.complete":
                {
                    pipeline = Text(body, "resource.definition.name", required: true)!;
                    var service = PipelineService(pipeline, "resource.definition.name");
                    return ChangeParse.Of(new(service, Time(body, "resource.finishTime", "createdDate"), "azure-devops",
                        "pipeline-run",
                        Summary(message, $"Build {Text(body, "resource.buildNumber") ?? ""} of {pipeline}: " +
                            $"{Text(body, "resource.result") ?? "completed"}"),
                        Text(body, "resource.requestedFor.displayName"), Text(body, "resource.sourceVersion"), null,
                        Url(body, "resource._links.web.href") ?? Url(body, "resource.url"), pipeline, key));
                }
            default:
                return ChangeParse.Ignore($"Azure DevOps event '{eventType}' is not a change (pipeline run state " +
                    $"changed, release deployment completed and build completed are).");
        }
    }

    /// <summary>{service, summary, at, author?, commit?, environment?, link?}.</summary>
    public static ChangeParse ParseGeneric(JsonElement body)
    {
        Object(body);
        var service = Text(body, "service", required: true)!;
        if (!ChangeRow.IsValidService(service))
            throw new ChangeInputException("service",
                "'service' must be at most 100 characters without / \\ # ? or control characters.");
        var summary = Text(body, "summary", required: true)!;
        var at = Time(body, "at");
        var author = Text(body, "author");
        var commit = Text(body, "commit");
        var environment = Text(body, "environment");
        var link = Url(body, "link");
        var key = $"generic:{service.ToLowerInvariant()}|{at.UtcTicks}|{summary}|{commit}|{environment}";
        return ChangeParse.Of(new(service, at, "generic", "change", Truncate(summary), author, commit, environment,
            link, null, key));
    }

    private string PipelineService(string pipeline, string field) => mapping.ServiceOfPipeline(pipeline)
        ?? throw new ChangeInputException(field,
            $"The pipeline '{pipeline}' is not mapped to a service: set " +
            $"AutoResponder:Changes:Services:<service>:Pipelines.");

    private static void Object(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw new ChangeInputException("$", "The body must be a JSON object.", 400);
    }

    private static JsonElement? Find(JsonElement body, string path)
    {
        var current = body;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current)) return null;
        }
        return current.ValueKind == JsonValueKind.Null ? null : current;
    }

    private static string? Text(JsonElement body, string path, bool required = false, int max = 1000)
    {
        var value = Find(body, path);
        if (value is null)
            return required ? throw new ChangeInputException(path, $"The field '{path}' is required.", 400) : null;
        var text = value.Value.ValueKind switch
        {
            JsonValueKind.String => value.Value.GetString()!.Trim(),
            JsonValueKind.Number => value.Value.GetRawText(),
            _ => throw new ChangeInputException(path, $"'{path}' must be a string."),
        };
        if (text.Length == 0) return required
            ? throw new ChangeInputException(path, $"'{path}' must not be blank.") : null;
        if (text.Length > max) throw new ChangeInputException(path, $"'{path}' is longer than {max} characters.");
        return text;
    }

    /// <summary>An absolute http(s) link, or nothing; anything else names the field.</summary>
    private static string? Url(JsonElement body, string path)
    {
        var text = Text(body, path, max: 2000);
        if (text is null) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            throw new ChangeInputException(path, $"'{path}' must be an absolute http(s) URL.");
        return uri.AbsoluteUri;
    }

    /// <summary>
    /// When the change happened: the first of <paramref name="paths"/> present, as an ISO-8601 date-time with an
    /// offset.
    /// </summary>
    private static DateTimeOffset Time(JsonElement body, params string[] paths)
    {
        foreach (var path in paths)
        {
            var text = Text(body, path);
            if (text is null) continue;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                && at.Year is >= 2000 and <= 9000)
                return at.ToUniversalTime();
            throw new ChangeInputException(path, $"'{path}' must be an ISO-8601 date-time, e.g. 2026-11-26T08:00:00Z.");
        }
        throw new ChangeInputException(paths[0], $"The field '{paths[0]}' is required.", 400);
    }

    private static string Summary(string? message, string fallback)
        => Truncate(string.IsNullOrWhiteSpace(message) ? fallback : message);
    private static string Truncate(string text) => text.Length <= MaxSummary ? text : text[..(MaxSummary - 1)] + "…";
    private static string FirstLine(string text) => Truncate(text.Split('\n')[0].Trim());
    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    public static string BodyHash(ReadOnlySpan<byte> body) => Keys.Hash(Convert.ToBase64String(body));
}
