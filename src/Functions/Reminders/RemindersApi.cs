using AutoResponder.Access;
using AutoResponder.Reminders;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Reminders;

/// <summary>The RCA follow-up routes; each passes the gate and forwards to <see cref="RemindersEndpoint"/>.</summary>
public sealed class RemindersApi(AccessGate gate, RemindersEndpoint endpoint)
{
    [Function(ApiRoutes.RecordPostmortem)]
    public async Task<IActionResult> Postmortem([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/postmortem")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.RecordPostmortem, caller => endpoint.PostmortemAsync(request, caller, id, ct));

    [Function(ApiRoutes.GetPostmortemDraft)]
    public async Task<IActionResult> Draft([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/incidents/{id}/postmortem/draft")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetPostmortemDraft, _ => endpoint.DraftAsync(id, ct));

    [Function(ApiRoutes.RescheduleReminder)]
    public async Task<IActionResult> Reschedule([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/reminders/{kind}")] HttpRequest request, string id, string kind, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.RescheduleReminder, caller => endpoint.RescheduleAsync(request, caller, id, kind, ct));
}
