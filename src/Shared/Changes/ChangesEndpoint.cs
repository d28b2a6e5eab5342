using System.Security.Cryptography;
using System.Text;
using AutoResponder.Hosting;
using AutoResponder.Http;
using AutoResponder.Incidents;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Changes;

/// <summary>A recorded change as the API shows it.</summary>
internal sealed record ChangeJson(string Id, string Service, DateTimeOffset At, string Source, string Kind,
    string Summary,
    string? Author, string? Commit, string? Environment, string? Link, string? Origin, DateTimeOffset ReceivedAt)
{
    public static ChangeJson From(ChangeRow r)
        => new(r.Id, r.Service, r.At, r.Source, r.Kind, r.Summary, r.Author, r.Commit, r.Environment, r.Link, r.Origin,
        r.ReceivedAt);
}

/// <summary>
/// The answer to a delivery: recorded, duplicate (this delivery is already stored) or ignored (not a change; why).
/// </summary>
internal sealed record ChangeReceipt(string Outcome, string? Reason, ChangeJson? Change);

/// <summary>
/// An incident's suspect changes: which services and window were searched, and the changes, newest first.
/// </summary>
internal sealed record SuspectChangesJson(string IncidentId, IReadOnlyList<string> Services, DateTimeOffset From,
    DateTimeOffset To, IReadOnlyList<ChangeJson> Items);

/// <summary>The generic change form (documented shape).</summary>
internal sealed record GenericChangeRequest(string Service, string Summary, DateTimeOffset At, string? Author = null,
    string? Commit = null, string? Environment = null, string? Link = null);

/// <summary>POST /api/changes (GitHub, Azure DevOps, generic) and GET /api/incidents/{id}/changes.</summary>
internal sealed class ChangesEndpoint(
    ChangeParser parser, ChangeStore store, SuspectChanges suspects, IncidentStore incidents,
    IOptions<ChangesOptions> options, IOptions<AutoResponderOptions> limits, TimeProvider time,
    ILogger<ChangesEndpoint> log)
{
    public const string GitHubEventHeader = "X-GitHub-Event";
    public const string GitHubDeliveryHeader = "X-GitHub-Delivery";
    public const string GitHubSignatureHeader = "X-Hub-Signature-256";

    public Task<ApiResult> PostAsync(HttpRequest request, CancellationToken ct) => StorageOutage.GuardAsync(async () =>
    {
        // The signature covers the exact bytes sent: keep them to check it, then parse with the API's JSON rules.
        request.EnableBuffering();
        var raw = await ReadRawAsync(request, limits.Value.MaxRequestBytes, ct);
        if (raw is null) return Problems.TooLarge(limits.Value.MaxRequestBytes);
        request.Body.Position = 0;

        var gitHubEvent = request.Headers[GitHubEventHeader].ToString();
        var isGitHub = gitHubEvent.Length > 0;
        if (isGitHub && SignatureProblem(request.Headers[GitHubSignatureHeader].ToString(), raw) is { } refused)
            return refused;

        var body = await JsonBody.ReadAsync(request, limits.Value.MaxRequestBytes, allowEmpty: false, ct);
        if (body.Error is not null) return body.Error;
        using var document = body.Document!;
        var root = document.RootElement;

        ChangeParse parsed;
        try
        {
            var hash = ChangeParser.BodyHash(raw);
            parsed = isGitHub ? parser.ParseGitHub(gitHubEvent, request.Headers[GitHubDeliveryHeader].ToString(), root,
                hash)
                : ChangeParser.IsAzureDevOps(root) ? parser.ParseAzureDevOps(root, hash)
                : ChangeParser.ParseGeneric(root);
        }
        catch (ChangeInputException e)
        {
            return Problems.Create(e.Status, e.Status == 400 ? "Malformed request" : "Invalid value", e.Message,
                e.Field);
        }
        if (parsed.Change is not { } change)
            return ApiResult.Accepted(new ChangeReceipt("ignored", parsed.Ignored, null));

        var row = ChangeRow.From(change, time.GetUtcNow());
        var added = await store.TryAddAsync(row, ct);
        if (added) log.LogInformation("Change {Kind} of {Service} at {At:o} recorded from {Source}", row.Kind,
            row.Service, row.At, row.Source);
        return ApiResult.Accepted(new ChangeReceipt(added ? "recorded" : "duplicate",
            added ? null : "This delivery is already recorded.", ChangeJson.From(row)));
    }, log);

    public Task<ApiResult> SuspectsAsync(string id, CancellationToken ct) => StorageOutage.GuardAsync(async () =>
    {
        if (!IncidentIds.LooksValid(id) || await incidents.FindAsync(id, ct) is not { } incident)
            return Problems.NotFound(id);
        var window = suspects.WindowOf(incident);
        var rows = await suspects.ListAsync(incident, SuspectChanges.MaxListed, ct);
        return ApiResult.Ok(new SuspectChangesJson(incident.Id, window.Services, window.From, window.To,
            rows.Select(ChangeJson.From).ToList()));
    }, log);

    /// <summary>
    /// GitHub signs the body with HMAC-SHA256 under the webhook secret: "sha256=" + hex. Checked in constant time.
    /// </summary>
    private ApiResult? SignatureProblem(string header, byte[] body)
    {
        var secret = options.Value.GitHubSecret;
        if (string.IsNullOrEmpty(secret)) return null;
        if (string.IsNullOrEmpty(header))
            return Problems.Unauthorized($"This GitHub delivery is not signed; AutoResponder:Changes:GitHubSecret is " +
                $"set, so {GitHubSignatureHeader} is required (set the webhook's secret).", GitHubSignatureHeader);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        byte[] given;
        try { given = header.StartsWith("sha256=", StringComparison.Ordinal) ? Convert.FromHexString(header["sha256=".Length..]) : []; }
        catch (FormatException) { given = []; }
        return CryptographicOperations.FixedTimeEquals(expected, given) ? null
            : Problems.Unauthorized($"{GitHubSignatureHeader} does not match the body under the configured secret " +
                $"(AutoResponder:Changes:GitHubSecret).", GitHubSignatureHeader);
    }

    private static async Task<byte[]?> ReadRawAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
