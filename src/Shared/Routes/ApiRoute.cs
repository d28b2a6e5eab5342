using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Routes;

/// <summary>
/// One HTTP route, declared once in its feature (e.g. <c>Changes/ChangesRoutes.cs</c>): its operation id (the Azure
/// Function's name), method, path (as the Function's route, e.g. <c>api/incidents/{id}</c>), who may call it, its
/// OpenAPI documentation (tag, summary, parameters, request and response types) and its handler. The standalone host
/// maps every declared route, /api/openapi.json documents them, and the <see cref="AccessGate"/> checks their access;
/// the Function classes (src/Functions) are one line each and a test proves they match.
/// </summary>
public sealed record ApiRoute(
    string OperationId,
    string Method,
    string Path,
    RouteAccess Access,
    string Tag,
    string Summary,
    IReadOnlyList<ApiParameter> Parameters,
    Type? RequestBody,
    bool RequestBodyRequired,
    IReadOnlyList<ApiResponse> Responses,
    Func<RouteCall, Task<IResult>> Handler)
{
    /// <summary>The path as callers see it: "/api/incidents/{id}".</summary>
    public string UrlPath => "/" + Path;

    /// <summary>The names in braces of <see cref="Path"/>, e.g. ["id", "item"].</summary>
    public IReadOnlyList<string> PathParameters { get; } =
        Path.Split('/').Where(s => s.StartsWith('{') && s.EndsWith('}')).Select(s => s[1..^1]).ToList();

    /// <summary>The OpenAPI operation (route without "api/").</summary>
    public ApiOperation Operation =>
        new(OperationId, Method, Path.StartsWith("api/", StringComparison.Ordinal) ? Path[4..] : Path, Tag, Summary,
            Parameters, RequestBody, RequestBodyRequired, Responses);
}

/// <summary>
/// What a route's handler gets: the request, the caller the gate let in, the path values and the app's services.
/// </summary>
public sealed record RouteCall(HttpRequest Request, Caller Caller, IReadOnlyDictionary<string, string> PathValues,
    IServiceProvider Services, CancellationToken Ct)
{
    /// <summary>A value of the route's path, e.g. <c>call["id"]</c>.</summary>
    public string this[string name] => PathValues[name];

    /// <summary>The incident id of routes under /api/incidents/{id}.</summary>
    public string Id => PathValues["id"];

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();
}

/// <summary>Runs a declared route in either host: the gate (its access), then its handler.</summary>
public static class RouteRunner
{
    public static Task<IResult> RunAsync(ApiRoute route, HttpRequest request,
        IReadOnlyDictionary<string, string> pathValues,
        IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<AccessGate>().RunAsync(request, route.Method, route.UrlPath, route.Access,
            caller => route.Handler(new RouteCall(request, caller, pathValues, services, ct)));
}
