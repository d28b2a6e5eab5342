using AutoResponder.Hosting;
using AutoResponder.Http;
using AutoResponder.Impact;
using AutoResponder.Incidents;
using AutoResponder.Incidents.Api;
using AutoResponder.Reminders;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoResponder.WebConsole;

/// <summary>
/// The console's routes, for both hosts: pages (GET) and forms (POST, answered with 303 back to the page).
/// Reads go through <see cref="ConsoleData"/>; actions through the same services the API calls
/// (<see cref="IncidentService"/>, <see cref="ReminderService"/>). Who may do what is one call,
/// <see cref="ConsoleAccess.CallerAsync"/>; every form is checked against cross-site requests first.
/// Sign-in takes a personal access token and starts a server-side session (<see cref="ConsoleSessions"/>).
/// </summary>
public sealed class ConsoleEndpoint(
    ConsoleData data,
    ConsoleAccess access,
    ConsoleSessions sessions,
    EntraSignIn entra,
    ConsoleAssets assets,
    IncidentService incidents,
    ReminderService reminders,
    ImpactEndpoint impact,
    ActionItems.ActionItemService actionItems,
    OnCall.OnCallCatalog onCall,
    OnCall.ResponderService responders,
    IOptions<AutoResponderOptions> options,
    SetupFindings setup,
    TimeProvider time,
    ILogger<ConsoleEndpoint> log)
{
    public static readonly string[] Actions =
        ["acknowledge", "status", "mitigate", "resolve", "close", "refresh", "rules", "postmortem", "action-item",
        "action-item-status", "responder"];

    /// <summary>GET /incidents</summary>
    public Task<HtmlResult> ListAsync(HttpRequest request, CancellationToken ct) => GuardAsync(request, ConsoleRight.Read, async (user, session) =>
    {
        if (ConsoleData.ReadQuery(request, out var error) is not { } query)
            return Page(ConsolePages.Message("Bad filter", error!, user), 422);
        var page = await data.ListAsync(query, ct);
        return HtmlResult.Page(ConsolePages.List(query, page, user, session.Csrf, time.GetUtcNow(), setup.All));
    }, ct);

    /// <summary>GET /console/rows — the list's table alone; the list page polls it.</summary>
    public Task<HtmlResult> RowsAsync(HttpRequest request, CancellationToken ct) => GuardAsync(request, ConsoleRight.Read, async (user, _) =>
    {
        if (ConsoleData.ReadQuery(request, out var error) is not { } query)
            return Page(ConsolePages.Message("Bad filter", error!, user), 422);
        var page = await data.ListAsync(query, ct);
        return HtmlResult.Page(ConsolePages.RowsFragment(query, page, time.GetUtcNow()));
    }, ct);

    /// <summary>GET /action-items — "My action items".</summary>
    public Task<HtmlResult> MyActionItemsAsync(HttpRequest request, CancellationToken ct)
        => GuardAsync(request, ConsoleRight.Read, async (user, session) =>
        HtmlResult.Page(ConsolePages.MyActionItems(await data.MyActionItemsAsync(user.Name, ct), user, session.Csrf,
            time.GetUtcNow(), setup.All)), ct);

    /// <summary>GET /oncall — per schedule: on call now, next, the next 14 days; the escalation policies.</summary>
    public Task<HtmlResult> OnCallAsync(HttpRequest request, CancellationToken ct)
        => GuardAsync(request, ConsoleRight.Read, async (user, session) =>
        HtmlResult.Page(ConsolePages.OnCall(await onCall.CurrentAsync(ct), user, session.Csrf, time.GetUtcNow(),
            setup.All)), ct);

    /// <summary>GET /incidents/{id}</summary>
    public Task<HtmlResult> IncidentAsync(HttpRequest request, string id, CancellationToken ct) => GuardAsync(request, ConsoleRight.Read, async (user, session) =>
    {
        var view = await data.GetAsync(id, ct);
        return view is null
            ? Page(ConsolePages.Message("Incident not found", $"There is no incident '{id}'.", user), 404)
            : HtmlResult.Page(ConsolePages.Incident(view, user, session.Csrf, time.GetUtcNow(), null, setup.All));
    }, ct);

    /// <summary>POST /incidents/{id}/{action} — a form on the incident page.</summary>
    public Task<HtmlResult> ActAsync(HttpRequest request, string id, string action, CancellationToken ct) => GuardAsync(request, ConsoleRight.Act, async (user, session) =>
    {
        if (!Actions.Contains(action) || !IncidentIds.LooksValid(id))
            return Page(ConsolePages.Message("Not found", $"There is no action '{action}' on incident '{id}'.", user),
                404);
        var form = await ReadFormAsync(request, ct);
        if (form is null) return Page(ConsolePages.Message("Bad request",
            "Send the form as application/x-www-form-urlencoded.", user), 415);
        if (RefusedForm(request, session, form, user) is { } refused) return refused;

        // The same request records and rules as the API (each record's Bind); a problem re-renders the page with its
        // text.
        var fields = RequestFields.FromForm(form);
        try
        {
            switch (action)
            {
                case "acknowledge":
                    if (AcknowledgeRequest.Bind(fields) is { } acknowledge)
                        await incidents.AcknowledgeAsync(id, acknowledge.Owner ?? user.Name, user.Name, ct);
                    break;
                case "status":
                    if (StatusUpdateRequest.Bind(fields, time.GetUtcNow()) is { } status)
                        await incidents.UpdateStatusAsync(id, status.Text, status.NextSteps, status.Eta, user.Name, ct);
                    break;
                case "responder":
                    // "Add responder": an address, or a schedule (its person on call now), and a message; paged like
                    // escalation.
                    if (OnCall.ResponderRequest.Bind(fields) is { } asked)
                    {
                        var bySchedule = asked.Person is { } who && !who.Contains('@');
                        try { await responders.RequestAsync(id, bySchedule ? null : asked.Person, bySchedule ? asked.Person : null, asked.Message, user.Name, null, ct); }
                        catch (OnCall.ResponderRefusedException e) { fields.Invalid(e.Field, e.Message); }
                    }
                    break;
                case "mitigate": await incidents.MitigateAsync(id, null, user.Name, ct); break;
                case "resolve": await incidents.ResolveAsync(id, null, user.Name, ct); break;
                case "close": await incidents.CloseAsync(id, null, user.Name, ct); break;
                case "postmortem":
                    if (PostmortemRequest.Bind(fields) is { } postmortem)
                        await reminders.CompletePostmortemAsync(id, postmortem.Link, user.Name, null, ct);
                    break;
                case "action-item":
                    if (ActionItems.ActionItemRequest.Bind(fields) is { } added)
                        await actionItems.AddAsync(id, added.Title, added.Owner, added.DueAt, added.Link, user.Name,
                            null, ct);
                    break;
                case "action-item-status":
                    // The item comes with the form (the API has it in the path).
                    var item = fields.String("item", required: true, maxLength: 40);
                    if (ActionItems.ActionItemStatusRequest.Bind(fields) is { } changed && item is not null)
                    {
                        try { await actionItems.SetStatusAsync(id, item, changed.Status, changed.Status == ActionItems.ActionItemKinds.Done ? null : changed.Reason, user.Name, null, ct); }
                        catch (ActionItems.ActionItemNotFoundException e) { fields.Invalid("item", e.Message); }
                    }
                    break;
                case "rules":
                    // The API's correction: the ticked rules apply (chosen / excluded against the automatic selection).
                    var ticked = form["rule"].Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r!.Trim()).Take(100)
                        .ToList();
                    var corrected = await impact.ApplyRulesAsync(user.Caller, id, ticked, ct);
                    if (corrected.StatusCode >= 400)
                        return await Refused(id, user, session,
                            (corrected.Body as ProblemBody)?.Detail ?? "The impact rules could not be corrected.",
                            corrected.StatusCode, ct);
                    break;
                case "refresh":
                    // The API's own refresh: same checks (rules, lease, order store), same timeline entry.
                    var refreshed = await impact.RefreshAsync(user.Caller, id, ct);
                    if (refreshed.StatusCode >= 400)
                        return await Refused(id, user, session,
                            (refreshed.Body as ProblemBody)?.Detail ?? "The impact could not be refreshed.",
                            refreshed.StatusCode, ct);
                    break;
            }
            if (fields.Problem is { } problem)
                return await Refused(id, user, session, problem, StatusCodes.Status422UnprocessableEntity, ct);
        }
        catch (IncidentNotFoundException) { return Page(ConsolePages.Message("Incident not found", $"There is no incident '{id}'.", user), 404); }
        catch (InvalidTransitionException e) { return await Refused(id, user, session, e.Message, StatusCodes.Status409Conflict, ct); }
        catch (ReminderConflictException e) { return await Refused(id, user, session, e.Message, StatusCodes.Status409Conflict, ct); }
        return HtmlResult.SeeOther(ConsoleRoutes.Incident(id));
    }, ct);

    /// <summary>
    /// 403 for a form that is not the console's own (nothing changes): from another origin (the page says which and what
    /// to fix, and the log names the setting), or without this session's anti-forgery token. Null: accepted.
    /// </summary>
    private HtmlResult? RefusedForm(HttpRequest request, ConsoleSession session, IFormCollection form,
        ConsoleUser user)
    {
        if (ForeignOrigin.Of(request, session.PublicOrigin) is { } foreign)
            return Page(ConsolePages.Message("Form refused", Refused(foreign), user), 403);
        return session.HoldsToken(form) ? null : Page(ConsolePages.Message("Form expired",
            "The form did not come from this console session. Reload the page and try again.", user), 403);
    }

    /// <summary>A form from another origin: a warning for the operator, naming the setting; the text for the page.</summary>
    private string Refused(ForeignOrigin foreign)
    {
        log.LogWarning("{Refusal}", foreign.ForOperator);
        return foreign.ForPerson;
    }

    /// <summary>GET /console/assets/{name}</summary>
    public HtmlResult Asset(string name)
        => assets.Find(name) is { } a ? HtmlResult.Asset(a.Bytes, a.ContentType) : HtmlResult.NotFound();

    /// <summary>The incident page again, with the reason the action was refused.</summary>
    private async Task<HtmlResult> Refused(string id, ConsoleUser user, ConsoleSession session, string problem,
        int status, CancellationToken ct)
    {
        var view = await data.GetAsync(id, ct);
        return view is null
            ? Page(ConsolePages.Message("Incident not found", $"There is no incident '{id}'.", user), 404)
            : Page(ConsolePages.Incident(view, user, session.Csrf, time.GetUtcNow(), problem, setup.All), status);
    }

    private async Task<IFormCollection?> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType
            || request.ContentType?.StartsWith("application/x-www-form-urlencoded",
            StringComparison.OrdinalIgnoreCase) != true) return null;
        var limit = options.Value.MaxRequestBytes;
        if (request.ContentLength > limit) return null;
        request.HttpContext.Features.Get<IFormFeature>();
        return await request.ReadFormAsync(ct);
    }

    /// <summary>
    /// Signed in (else to the sign-in page), holding the right (else 403), storage reachable (else 503).
    /// </summary>
    private async Task<HtmlResult> GuardAsync(HttpRequest request, ConsoleRight right,
        Func<ConsoleUser, ConsoleSession, Task<HtmlResult>> handle, CancellationToken ct)
    {
        try
        {
            var (user, session) = await access.CallerAsync(request, ct);
            if (user is null)
            {
                var here = request.Path.Value + request.QueryString.Value;
                // A page: to the sign-in page and back. The polled fragment and forms: 401 (the page says to sign in).
                if (HttpMethods.IsGet(request.Method) && request.Path.Value != ConsoleRoutes.Rows)
                    return ForgetStaleCookie(request, HtmlResult.SeeOther(ConsoleRoutes.SignInAt(here)));
                return ForgetStaleCookie(request,
                    Page(ConsolePages.SignedOut(ConsoleRoutes.SignInAt(AfterSignIn(request))), 401));
            }
            if (!user.May(right))
                return Page(ConsolePages.Message("Not allowed",
                    $"{user.Name} may not do this: it needs the {ConsoleUser.AccessOf(right)} role.", user), 403);
            return await handle(user, session);
        }
        catch (IncidentBusyException e)
        {
            log.LogWarning("Incident {IncidentId} busy: the console answered 503 with Retry-After", e.IncidentId);
            return Unavailable("This incident is being changed by many people at once; try again in a moment.");
        }
        catch (Exception e) when (StorageOutage.IsOutage(e))
        {
            log.LogError(e, "Storage unavailable while rendering {Path}", request.Path);
            return Unavailable("Incident storage is unavailable right now; try again in a moment.");
        }
    }

    /// <summary>
    /// 503 with Retry-After: storage out, or an incident busy past its retries. The person can simply try again.
    /// </summary>
    private static HtmlResult Unavailable(string detail) =>
        Page(ConsolePages.Message("Temporarily unavailable", detail, null), 503).WithHeader("Retry-After", "5");


    /// <summary>
    /// Where to go back after signing in: a form's incident page (POST /incidents/{id}/{action}), else the list.
    /// </summary>
    private static string AfterSignIn(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        var cut = path.LastIndexOf('/');
        return HttpMethods.IsPost(request.Method) && path.StartsWith(ConsoleRoutes.List + "/", StringComparison.Ordinal)
            && cut > ConsoleRoutes.List.Length
            ? path[..cut] : ConsoleRoutes.List;
    }

    // ---- sign-in ----

    /// <summary>GET /sign-in?returnUrl=… — the sign-in form, with its anti-forgery token.</summary>
    public HtmlResult SignInPage(HttpRequest request) =>
        SignInForm(request, null, ConsoleRoutes.LocalOrList(request.Query["returnUrl"].ToString()),
            StatusCodes.Status200OK);

    /// <summary>
    /// POST /sign-in — a personal access token in, a session cookie out (HttpOnly, SameSite=Strict, Secure on https),
    /// then 303 to the page the person came from (a local path only). A bad token: the form again, 401; nothing stored.
    /// Login CSRF (another site signing this browser in as someone else) is refused twice over: the form must come from
    /// this origin, and carry the anti-forgery token the sign-in page placed in it and in its own cookie.
    /// </summary>
    public async Task<HtmlResult> SignInAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            var form = await ReadFormAsync(request, ct);
            if (form is null) return SignInForm(request, "Send the form as application/x-www-form-urlencoded.",
                ConsoleRoutes.List, 415);
            var returnUrl = ConsoleRoutes.LocalOrList(form["returnUrl"].ToString());
            if (ForeignOrigin.Of(request, access.PublicOrigin) is { } foreign)
                return SignInForm(request, Refused(foreign), returnUrl, 403);
            if (!SignInFormToken.Matches(request, form))
                return SignInForm(request, "The form did not come from this console. Reload the page and try again.",
                    returnUrl, 403);
            var token = form["token"].ToString();
            var signedIn = token.Length is > 0 and <= 200 ? await sessions.SignInAsync(token, ct) : null;
            if (signedIn is not { } s)
                return SignInForm(request, "That token is not valid: it is mistyped, expired, revoked or unknown.",
                    returnUrl, 401);
            log.LogInformation("{Caller} signed in to the console (session until {ExpiresAt:O})", s.Session.Caller.Name,
                s.Session.ExpiresAt);
            return HtmlResult.SeeOther(returnUrl)
                .WithCookie(ConsoleSessions.CookieName, s.Cookie, CookieOptions(request, s.Session.ExpiresAt))
                .WithCookie(SignInFormToken.CookieName, "", SignInFormCookieOptions(request, DateTimeOffset.UnixEpoch));
        }
        catch (Exception e) when (StorageOutage.IsOutage(e))
        {
            log.LogError(e, "Storage unavailable during sign-in");
            return Unavailable("Storage is unavailable right now; try again in a moment.");
        }
    }

    /// <summary>
    /// The sign-in form: its anti-forgery token (the browser's, or a new one) in a hidden field and in its cookie.
    /// </summary>
    private HtmlResult SignInForm(HttpRequest request, string? error, string returnUrl, int status)
    {
        var token = SignInFormToken.Of(request) ?? SignInFormToken.New();
        return Page(ConsolePages.SignIn(error, returnUrl, entra.Enabled, token), status)
            .WithCookie(SignInFormToken.CookieName, token,
                SignInFormCookieOptions(request, time.GetUtcNow().AddHours(12)));
    }

    private CookieOptions SignInFormCookieOptions(HttpRequest request, DateTimeOffset expires) =>
        new(CookieOptions(request, expires)) { Path = ConsoleRoutes.SignIn };

    /// <summary>
    /// GET /sign-in/entra?returnUrl=… — "Sign in with Microsoft": a signed, stateless attempt
    /// (<see cref="EntraSignIn.Start"/>; nothing stored), the correlation cookie, and a redirect to Entra ID. 404 when
    /// Entra sign-in is not configured.
    /// </summary>
    public Task<HtmlResult> SignInWithEntraAsync(HttpRequest request, CancellationToken ct)
    {
        if (!entra.Enabled) return Task.FromResult(Page(ConsolePages.Message("Not found",
            "Sign-in with Microsoft is not configured here.", null), 404));
        var returnUrl = ConsoleRoutes.LocalOrList(request.Query["returnUrl"].ToString());
        var (authorizeUrl, correlation, expiresAt) = entra.Start(request, returnUrl);
        return Task.FromResult(HtmlResult.SeeOther(authorizeUrl)
            .WithCookie(EntraSignIn.CorrelationCookie, correlation, CorrelationCookieOptions(expiresAt)));
    }

    /// <summary>
    /// POST /sign-in/entra — Entra ID's form post (id_token, state). EXEMPT from the console's session and anti-forgery
    /// checks on purpose: it is a cross-site post by design and there is no session yet. It is protected instead by the
    /// state signed under the correlation cookie, the nonce inside the signed id token derived from both, and the
    /// single-use mark written once the token is valid
    /// (<see cref="EntraSignIn.CompleteAsync"/>). A person with a role gets a session (then on to the local return
    /// path); without a role, a page saying so and no session; anything else, the sign-in page with the reason. Never a
    /// 500.
    /// </summary>
    public async Task<HtmlResult> SignInWithEntraCallbackAsync(HttpRequest request, CancellationToken ct)
    {
        if (!entra.Enabled) return Page(ConsolePages.Message("Not found",
            "Sign-in with Microsoft is not configured here.", null), 404);
        try
        {
            var form = await ReadFormAsync(request, ct);
            if (form is null) return SignInForm(request,
                "The sign-in response from Microsoft was not a form. Start again.", ConsoleRoutes.List, 400);
            var correlation = request.Cookies.TryGetValue(EntraSignIn.CorrelationCookie, out var c)
                && c.Length is > 0 and <= 100 ? c : null;
            var outcome = await entra.CompleteAsync(form, correlation, ct);
            HtmlResult result;
            if (outcome.Refusal is { } refusal)
                result = SignInForm(request, refusal, outcome.ReturnUrl, 400);
            else if (outcome.Roles.Count == 0)
            {
                log.LogInformation(
                    "{Name} signed in with Microsoft but holds no AutoResponder role: no console session",
                    outcome.Name);
                result = Page(ConsolePages.NoRole(outcome.Name!), 403);
            }
            else
            {
                var (session, cookie) = await sessions.SignInFromEntraAsync(outcome.Name!, outcome.Roles, ct);
                log.LogInformation("{Caller} signed in to the console with Microsoft (session until {ExpiresAt:O})",
                    session.Caller.Name, session.ExpiresAt);
                result = HtmlResult.Page(ConsolePages.SignedInContinue(session.Caller.Name, outcome.ReturnUrl))
                    .WithCookie(ConsoleSessions.CookieName, cookie, CookieOptions(request, session.ExpiresAt));
            }
            // The correlation cookie has done its job, whatever the outcome.
            return correlation is null
                ? result : result.WithCookie(EntraSignIn.CorrelationCookie, "",
                CorrelationCookieOptions(DateTimeOffset.UnixEpoch));
        }
        catch (Exception e) when (StorageOutage.IsOutage(e) || e is InvalidOperationException)
        {
            // InvalidOperationException: the tenant's metadata (signing keys) could not be fetched.
            log.LogError(e, "Entra ID sign-in could not be completed");
            return Unavailable("Sign-in could not be completed right now; try again in a moment.");
        }
    }

    /// <summary>
    /// The correlation cookie: SameSite=None, because Entra ID's form post back is a cross-site request (Strict or Lax
    /// would not be sent with it), hence Secure too; HttpOnly; only sent to /sign-in/entra.
    /// </summary>
    private static CookieOptions CorrelationCookieOptions(DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.None,
        Secure = true,
        Path = ConsoleRoutes.SignInEntra,
        Expires = expires,
        IsEssential = true,
    };

    /// <summary>POST /sign-out — ends the session (its row and the cookie), then to the sign-in page.</summary>
    public Task<HtmlResult> SignOutAsync(HttpRequest request, CancellationToken ct) => GuardAsync(request, ConsoleRight.Read, async (user, session) =>
    {
        var form = await ReadFormAsync(request, ct);
        if (form is null) return Page(ConsolePages.Message("Bad request",
            "Send the form as application/x-www-form-urlencoded.", user), 415);
        if (RefusedForm(request, session, form, user) is { } refused) return refused;
        await sessions.SignOutAsync(ConsoleSessions.CookieOf(request), ct);
        log.LogInformation("{Caller} signed out of the console", user.Name);
        return HtmlResult.SeeOther(ConsoleRoutes.SignIn)
            .WithCookie(ConsoleSessions.CookieName, "", CookieOptions(request, DateTimeOffset.UnixEpoch));
    }, ct);

    /// <summary>
    /// A cookie of an ended session (expired, revoked, signed out elsewhere) is cleared from the browser.
    /// </summary>
    private HtmlResult ForgetStaleCookie(HttpRequest request, HtmlResult result) =>
        ConsoleSessions.CookieOf(request) is null
            ? result : result.WithCookie(ConsoleSessions.CookieName, "",
            CookieOptions(request, DateTimeOffset.UnixEpoch));

    /// <summary>
    /// The session cookie: script cannot read it, other sites never send it, https only when the console is served over
    /// https.
    /// </summary>
    private CookieOptions CookieOptions(HttpRequest request, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps || options.Value.PublicBaseUrl?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    private static HtmlResult Page(string html, int status) => HtmlResult.Page(html, status);
}
