using AutoResponder.Reminders;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Reminders;

/// <summary>The RCA follow-up routes; each forwards to <see cref="RemindersEndpoint"/>.</summary>
public sealed class RemindersApi(RemindersEndpoint endpoint)
{
    [Function("RecordPostmortem")]
    public async Task<IActionResult> Postmortem([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/postmortem")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.PostmortemAsync(request, id, ct);

    [Function("RescheduleReminder")]
    public async Task<IActionResult> Reschedule([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/incidents/{id}/reminders/{kind}")] HttpRequest request, string id, string kind, CancellationToken ct) =>
        await endpoint.RescheduleAsync(request, id, kind, ct);
}
