using AutoResponder.Functions.Api;
using AutoResponder.Reminders;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Reminders;

/// <summary>The RCA follow-up routes, as declared in <see cref="RemindersRoutes"/>: one line each.</summary>
public sealed class RemindersApi
{
    [Function(RemindersRoutes.RecordPostmortem)]
    public Task<IActionResult> Postmortem([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = RemindersRoutes.RecordPostmortemPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(RemindersRoutes.RecordPostmortem, request, context);

    [Function(RemindersRoutes.GetPostmortemDraft)]
    public Task<IActionResult> Draft([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = RemindersRoutes.GetPostmortemDraftPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(RemindersRoutes.GetPostmortemDraft, request, context);

    [Function(RemindersRoutes.RescheduleReminder)]
    public Task<IActionResult> Reschedule([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = RemindersRoutes.RescheduleReminderPath)] HttpRequest request, FunctionContext context) =>
        DeclaredRoutes.RunAsync(RemindersRoutes.RescheduleReminder, request, context);
}
