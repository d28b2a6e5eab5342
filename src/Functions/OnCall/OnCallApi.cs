using AutoResponder.Access;
using AutoResponder.OnCall;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.OnCall;

/// <summary>The on-call routes; each passes the gate and forwards to <see cref="OnCallEndpoint"/> or <see cref="RespondersEndpoint"/>.</summary>
public sealed class OnCallApi(AccessGate gate, OnCallEndpoint endpoint, RespondersEndpoint responders)
{
    [Function(ApiRoutes.GetOnCall)]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/oncall")] HttpRequest request, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.GetOnCall, _ => endpoint.GetAsync(ct));

    [Function(ApiRoutes.PutOnCallSchedule)]
    public async Task<IActionResult> PutSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/oncall/schedules/{name}")] HttpRequest request, string name, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.PutOnCallSchedule, caller => endpoint.PutScheduleAsync(request, caller, name, ct));

    [Function(ApiRoutes.PutOnCallPolicy)]
    public async Task<IActionResult> PutPolicy([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/oncall/policies/{name}")] HttpRequest request, string name, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.PutOnCallPolicy, caller => endpoint.PutPolicyAsync(request, caller, name, ct));

    [Function(ApiRoutes.RequestResponder)]
    public async Task<IActionResult> RequestResponder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/responders")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.RequestResponder, caller => responders.RequestAsync(request, caller, id, ct));

    [Function(ApiRoutes.AcknowledgeResponder)]
    public async Task<IActionResult> AcknowledgeResponder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/incidents/{id}/responders/acknowledge")] HttpRequest request, string id, CancellationToken ct) =>
        await gate.RunAsync(request, ApiRoutes.AcknowledgeResponder, caller => responders.AcknowledgeAsync(request, caller, id, ct));
}
