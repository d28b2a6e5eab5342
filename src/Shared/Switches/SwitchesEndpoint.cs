using System.Security.Cryptography;
using System.Text.Json;
using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Actions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.Switches;

/// <summary>GET /api/switches body.</summary>
internal sealed record SwitchesResponse(IReadOnlyList<SwitchJson> Switches);

/// <summary>One switch as storefronts read it.</summary>
internal sealed record SwitchJson(string Name, string Description, bool On, DateTimeOffset? Since, string? By,
    string? IncidentId);

/// <summary>
/// POST /api/incidents/{id}/switches/{name} body (documented shape; the endpoint reads the fields one by one).
/// </summary>
internal sealed record SwitchFlipRequest(bool On, string? Reason = null);

/// <summary>POST /api/incidents/{id}/switches/{name} answer.</summary>
internal sealed record SwitchFlipResponse(string IncidentId, SwitchJson Switch, bool Changed);

/// <summary>The switch routes: the storefront's cacheable read, and a responder's flip from an incident.</summary>
internal sealed class SwitchesEndpoint(SwitchService switches, IncidentActionRequest actions,
    IOptions<SwitchOptions> options, ILogger<SwitchesEndpoint> log)
{
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>
    /// GET /api/switches — with an ETag (If-None-Match → 304) and Cache-Control max-age, so storefronts can poll
    /// cheaply.
    /// </summary>
    public async Task<IResultAndAction> ListAsync(HttpRequest request, CancellationToken ct)
    {
        IReadOnlyList<SwitchState> all;
        try { all = await switches.ListAsync(ct); }
        catch (Exception e) when (
            e is Azure.RequestFailedException or HttpRequestException or AggregateException or TimeoutException)
        {
            log.LogWarning(e, "Switch store unavailable");
            return new Wrapped(Problems.Unavailable("The switch store cannot be reached; keep the last state you " +
                "read and retry."));
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(new SwitchesResponse(all.Select(ToJson).ToList()),
            ApiResult.Json);
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}\"";
        return new CacheableJson(body, etag, options.Value.CacheSeconds,
            request.Headers.IfNoneMatch.Any(v =>
            v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*")));
    }

    /// <summary>POST /api/incidents/{id}/switches/{name} {"on": true|false, "reason"?}</summary>
    public Task<ApiResult> FlipAsync(HttpRequest request, Caller caller, string id, string name,
        CancellationToken ct) =>
        actions.RunAsync(request, caller, id, MaxBodyBytes, requireBody: true, async (fields, actor, ifMatch) =>
        {
            if (options.Value.Find(name) is null)
                return Problems.Create(StatusCodes.Status404NotFound, "Switch not found",
                    $"There is no switch '{name}'. Declared: {(options.Value.Declared.Count == 0 ? "none" : string.Join(", ", options.Value.Declared.Select(d => d.Name)))}.", "name");
            var on = fields.Bool("on", required: true);
            var reason = fields.String("reason", required: false, maxLength: 1000);
            if (fields.Error is not null) return fields.Error;
            SwitchFlip flip;
            try { flip = await switches.FlipAsync(id, name, on!.Value, reason, actor, ifMatch, ct); }
            catch (IncidentConcurrencyException) { return Problems.Unavailable("The switch or the incident is changing under heavy contention; retry shortly."); }
            return ApiResult.Ok(new SwitchFlipResponse(id, ToJson(flip.Switch), flip.Changed));
        }, ct);

    private static SwitchJson ToJson(SwitchState s) => new(s.Name, s.Description, s.On, s.Since, s.By, s.IncidentId);

    /// <summary>A response both hosts execute (Functions: IActionResult; standalone: IResult).</summary>
    public interface IResultAndAction : IActionResult, IResult;

    private sealed class Wrapped(ApiResult inner) : IResultAndAction
    {
        public Task ExecuteResultAsync(ActionContext context) => inner.ExecuteResultAsync(context);
        public Task ExecuteAsync(HttpContext httpContext) => inner.ExecuteAsync(httpContext);
    }

    /// <summary>
    /// 200 with the JSON, ETag and Cache-Control; 304 without a body when the caller already has this version.
    /// </summary>
    private sealed class CacheableJson(byte[] body, string etag, int maxAge, bool notModified) : IResultAndAction
    {
        public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.Headers.ETag = etag;
            response.Headers.CacheControl = $"private, max-age={maxAge}";
            if (notModified) { response.StatusCode = StatusCodes.Status304NotModified; return; }
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
