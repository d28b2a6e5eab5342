using AutoResponder.Access;
using AutoResponder.Hosting;
using AutoResponder.Http;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Actions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.Reminders;

/// <summary>
/// POST /api/incidents/{id}/postmortem {link} — completes the RCA and cancels the reminders still scheduled.
/// POST /api/incidents/{id}/reminders/{kind} {dueAt} — moves one reminder (rca-draft, postmortem-review, action-items,
/// rca-escalation). The actor is the authenticated caller. Both answer with the incident.
/// GET /api/incidents/{id}/postmortem/draft — the latest postmortem draft (Markdown), streamed from the private
/// container.
/// </summary>
internal sealed class RemindersEndpoint(ReminderService reminders, IncidentActionRequest actions,
    PostmortemDraftBlobs drafts, IncidentStore incidents,
    IOptions<AutoResponderOptions> options, TimeProvider time)
{
    /// <summary>
    /// The latest draft; 404 (field id) without the incident, 404 (field draft) before the first resolution's draft
    /// exists.
    /// </summary>
    public async Task<FileDownload> DraftAsync(string id, CancellationToken ct)
    {
        if (!IncidentIds.LooksValid(id)) return FileDownload.Problem(Problems.NotFound(id));
        var draft = await drafts.OpenLatestAsync(id, ct);
        if (draft is null)
            return FileDownload.Problem(await incidents.FindAsync(id, ct) is null ? Problems.NotFound(id)
                : Problems.Create(StatusCodes.Status404NotFound, "No postmortem draft",
                    $"Incident {id} has no postmortem draft yet: one is generated when it is resolved.", "draft"));
        return FileDownload.Attachment(draft.Content, "text/markdown; charset=utf-8", $"{id}-postmortem-draft.md",
            draft.Details.ContentLength);
    }

    public Task<ApiResult> PostmortemAsync(HttpRequest request, Caller caller, string id, CancellationToken ct) =>
        ActAsync(request, caller, id, async (fields, actor, ifMatch) =>
        {
            if (PostmortemRequest.Bind(fields) is not { } body) return fields.Error!;
            return await Done(reminders.CompletePostmortemAsync(id, body.Link, actor, ifMatch, ct), ct);
        }, ct);

    public Task<ApiResult> RescheduleAsync(HttpRequest request, Caller caller, string id, string kind,
        CancellationToken ct) =>
        ActAsync(request, caller, id, async (fields, actor, ifMatch) =>
        {
            if (!ReminderKinds.All.Contains(kind))
                return Problems.Invalid("kind",
                    $"'{kind}' is not a reminder: use {string.Join(", ", ReminderKinds.All)}.");
            var dueAt = fields.DateTime("dueAt");
            if (fields.Error is not null) return fields.Error;
            if (dueAt is null) return Problems.Missing("dueAt");
            var now = time.GetUtcNow();
            if (dueAt <= now) return Problems.Invalid("dueAt",
                $"'dueAt' must be in the future (now is {now:yyyy-MM-ddTHH:mm:ssZ}).");
            if (dueAt > now.AddDays(366)) return Problems.Invalid("dueAt", "'dueAt' must be within a year.");
            return await Done(reminders.RescheduleAsync(id, kind, dueAt.Value, actor, ifMatch, ct), ct);
        }, ct);

    private Task<ApiResult> ActAsync(HttpRequest request, Caller caller, string id,
        Func<RequestFields, string, IncidentPrecondition?, Task<ApiResult>> act, CancellationToken ct) =>
        actions.RunAsync(request, caller, id, options.Value.MaxRequestBytes, requireBody: true, async (fields, actor, ifMatch) =>
        {
            try { return await act(fields, actor, ifMatch); }
            catch (ReminderConflictException e) { return Problems.Create(StatusCodes.Status409Conflict, "RCA already complete", e.Message, "kind"); }
        }, ct);

    private Task<ApiResult> Done(Task<IncidentRecord> change, CancellationToken ct)
        => actions.RespondWithIncidentAsync(change, ct);
}
