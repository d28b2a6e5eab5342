using AutoResponder.Access;
using AutoResponder.Http;
using AutoResponder.Incidents.Resources;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AutoResponder.Incidents.Actions;

/// <summary>
/// The shape every "POST /api/incidents/{id}/…" action shares: a plausible id (else 404), a JSON object body
/// (415/413/400), the acting person (always the authenticated <see cref="Caller"/>; an "actor" field is ignored), an
/// optional If-Match (handed to the action as an <see cref="IncidentPrecondition"/>, which it passes down to the
/// change: 412 when the incident changed since that ETag was read), and the incident's own refusals as 404/409. Storage
/// outages become a 503. The action answers with the incident and its new ETag.
/// </summary>
public sealed class IncidentActionRequest(IncidentStore store, IIncidentResourceReader resources,
    ILogger<IncidentActionRequest> log)
{
    public Task<ApiResult> RunAsync(HttpRequest request, Caller caller, string id, int maxBytes, bool requireBody,
        Func<RequestFields, string, IncidentPrecondition?, Task<ApiResult>> act, CancellationToken ct) =>
        StorageOutage.GuardAsync(async () =>
        {
            if (!IncidentIds.LooksValid(id)) return Problems.NotFound(id);
            var ifMatch = IfMatch.Parse(request.Headers.IfMatch.ToString());
            if (ifMatch is { Valid: false })
                return Problems.Malformed("If-Match must be \"*\" or a list of entity tags such as \"3f2a…\" (the " +
                    "ETag of GET /api/incidents/{id}).", "If-Match");
            var body = await JsonBody.ReadAsync(request, maxBytes, allowEmpty: !requireBody, ct);
            if (body.Error is not null) return body.Error;
            using var document = body.Document!;
            if (RequestFields.RequireObject(document.RootElement) is { } notObject) return notObject;

            var fields = new RequestFields(document.RootElement);
            var precondition = ifMatch is null
                ? null : new IncidentPrecondition(incident => ifMatch.Matches(IncidentETag.Of(incident)));
            try
            {
                return await act(fields, caller.Name, precondition);
            }
            catch (IncidentNotFoundException) { return Problems.NotFound(id); }
            catch (InvalidTransitionException e) { return Conflict(e); }
            catch (IncidentPreconditionFailedException e) { return Problems.PreconditionFailed(e.Message); }
        }, log);

    /// <summary>Runs the change and answers 200 with the incident as it is now, with its ETag.</summary>
    public async Task<ApiResult> RespondWithIncidentAsync(Task<IncidentRecord> change, CancellationToken ct)
    {
        var changed = await change;
        var incident = await store.FindAsync(changed.Id, ct) ?? changed;
        return ApiResult.Ok(await resources.ReadAsync(incident, ct)).WithHeader("ETag", IncidentETag.Of(incident));
    }

    /// <summary>409: the incident's status does not allow the change (the problem names its current status).</summary>
    private static ApiResult Conflict(InvalidTransitionException e) =>
        Problems.Create(StatusCodes.Status409Conflict, "Invalid transition", e.Message, "status", e.Current.ToApi());

    /// <summary>An If-Match header: "*" or entity tags, compared strongly (a weak tag never matches).</summary>
    private sealed record IfMatch(bool Valid, bool Any, IReadOnlyList<string> Tags)
    {
        public static IfMatch? Parse(string header)
        {
            if (string.IsNullOrWhiteSpace(header)) return null;
            var tags = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (tags is ["*"]) return new IfMatch(true, true, []);
            var valid = tags.Length > 0 && tags.All(t =>
            {
                var opaque = t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t;
                return opaque.Length >= 2 && opaque[0] == '"' && opaque[^1] == '"' && !opaque[1..^1].Contains('"');
            });
            return new IfMatch(valid, false, tags);
        }

        public bool Matches(string current) => Any || Tags.Contains(current, StringComparer.Ordinal);
    }
}
