using AutoResponder.Alerts;
using AutoResponder.Hosting;
using AutoResponder.Intake;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Http;

/// <summary>POST /api/alerts: validate the whole payload first (nothing is stored for a rejected request), then file each alert.</summary>
public sealed class AlertsEndpoint(AlertPayloadParser parser, AlertIngestor ingestor, IOptions<AutoResponderOptions> options, ILogger<AlertsEndpoint> log)
{
    public sealed record Item(string? IncidentId, string Outcome);
    public sealed record Response(IReadOnlyList<Item> Results);

    public Task<ApiResult> PostAsync(HttpRequest request, CancellationToken ct) => StorageOutage.GuardAsync(() => HandleAsync(request, ct), log);

    private async Task<ApiResult> HandleAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBytes, allowEmpty: false, ct);
        if (body.Error is not null) return body.Error;
        using var document = body.Document!;

        IReadOnlyList<Alert> alerts;
        try { alerts = parser.Parse(document.RootElement); }
        catch (AlertPayloadException e) { return Problems.From(e); }

        var results = await ingestor.IngestAsync(alerts, ct);
        return ApiResult.Accepted(new Response(results.Select(r => new Item(r.IncidentId, r.Outcome)).ToList()));
    }
}
