using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Intake;

/// <summary>
/// POST /api/alerts: validate the whole payload first (nothing is stored for a rejected request), then file each alert.
/// </summary>
internal sealed class AlertsEndpoint(AlertPayloadParser parser, AlertIngestor ingestor,
    IOptions<AutoResponderOptions> options, ILogger<AlertsEndpoint> log)
{
    public sealed record Item(string? IncidentId, string Outcome);
    public sealed record Response(IReadOnlyList<Item> Results);

    public async Task<ApiResult> PostAsync(HttpRequest request, CancellationToken ct)
    {
        // Storage that hangs (rather than refusing) is bounded here: the sender gets a 503 with Retry-After, not a
        // hang.
        var limit = options.Value.IntakeTimeoutSeconds;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(limit));
        try
        {
            return await StorageOutage.GuardAsync(() => HandleAsync(request, deadline.Token), log);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            log.LogError(
                "Alert delivery not filed within {Seconds} s (AutoResponder:IntakeTimeoutSeconds): answered 503",
                limit);
            return Problems.Unavailable($"Incident storage did not answer within {limit} s; retry shortly. Nothing " +
                $"is lost: a retry of anything already filed is recognised.");
        }
    }

    private async Task<ApiResult> HandleAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBytes, allowEmpty: false, ct);
        if (body.Error is not null) return body.Error;
        using var document = body.Document!;

        IReadOnlyList<Alert> alerts;
        try { alerts = parser.Parse(document.RootElement); }
        catch (AlertPayloadException e) { return ProblemOf(e); }

        var results = await ingestor.IngestAsync(alerts, ct);
        return ApiResult.Accepted(new Response(results.Select(r => new Item(r.IncidentId, r.Outcome)).ToList()));
    }

    /// <summary>
    /// The parser's refusal as a problem: 400 malformed, 413 too many items, else 422 naming the field.
    /// </summary>
    private static ApiResult ProblemOf(AlertPayloadException e) => e.Status switch
    {
        StatusCodes.Status400BadRequest => Problems.Malformed(e.Message, e.Field),
        StatusCodes.Status413PayloadTooLarge
            => Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too many items", e.Message, e.Field),
        _ => Problems.Invalid(e.Field, e.Message),
    };
}
