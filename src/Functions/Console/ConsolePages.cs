using AutoResponder.WebConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.WebConsole;

/// <summary>
/// The web console's routes; each forwards to <see cref="ConsoleEndpoint"/>. Anonymous at the Functions level
/// (a browser has no function key): the console signs people in itself (a personal access token starts a
/// session cookie) and checks their role on every request.
/// </summary>
public sealed class ConsolePages(ConsoleEndpoint endpoint)
{
    [Function("ConsoleList")]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "incidents")] HttpRequest request, CancellationToken ct) =>
        await endpoint.ListAsync(request, ct);

    [Function("ConsoleMyActionItems")]
    public async Task<IActionResult> MyActionItems([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "action-items")] HttpRequest request, CancellationToken ct) =>
        await endpoint.MyActionItemsAsync(request, ct);

    [Function("ConsoleRows")]
    public async Task<IActionResult> Rows([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "console/rows")] HttpRequest request, CancellationToken ct) =>
        await endpoint.RowsAsync(request, ct);

    [Function("ConsoleOnCall")]
    public async Task<IActionResult> OnCall([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "oncall")] HttpRequest request, CancellationToken ct) =>
        await endpoint.OnCallAsync(request, ct);

    [Function("ConsoleIncident")]
    public async Task<IActionResult> Incident([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "incidents/{id}")] HttpRequest request, string id, CancellationToken ct) =>
        await endpoint.IncidentAsync(request, id, ct);

    [Function("ConsoleAct")]
    public async Task<IActionResult> Act([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = "incidents/{id}/{action}")] HttpRequest request, string id, string action, CancellationToken ct) =>
        await endpoint.ActAsync(request, id, action, ct);

    [Function("ConsoleSignInPage")]
    public IActionResult SignInPage([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "sign-in")] HttpRequest request) =>
        endpoint.SignInPage(request);

    [Function("ConsoleSignIn")]
    public async Task<IActionResult> SignIn([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = "sign-in")] HttpRequest request, CancellationToken ct) =>
        await endpoint.SignInAsync(request, ct);

    [Function("ConsoleSignInWithEntra")]
    public async Task<IActionResult> SignInWithEntra([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "sign-in/entra")] HttpRequest request, CancellationToken ct) =>
        await endpoint.SignInWithEntraAsync(request, ct);

    /// <summary>
    /// Entra ID's form post back: exempt from the console's session and anti-forgery checks (see the endpoint).
    /// </summary>
    [Function("ConsoleSignInWithEntraCallback")]
    public async Task<IActionResult> SignInWithEntraCallback([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = "sign-in/entra")] HttpRequest request, CancellationToken ct) =>
        await endpoint.SignInWithEntraCallbackAsync(request, ct);

    [Function("ConsoleSignOut")]
    public async Task<IActionResult> SignOut([HttpTrigger(AuthorizationLevel.Anonymous, "post",
        Route = "sign-out")] HttpRequest request, CancellationToken ct) =>
        await endpoint.SignOutAsync(request, ct);

    [Function("ConsoleAsset")]
    public IActionResult Asset([HttpTrigger(AuthorizationLevel.Anonymous, "get",
        Route = "console/assets/{name}")] HttpRequest request, string name) =>
        endpoint.Asset(name);
}
