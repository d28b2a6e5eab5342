namespace AutoResponder.Http.OpenApi;

public enum ParameterIn { Path, Query, Header }

/// <summary>A route parameter; <see cref="Values"/> lists the allowed values when they are a closed set.</summary>
public sealed record ApiParameter(string Name, ParameterIn In, string Description, bool Required = false,
    string Format = "", IReadOnlyList<string>? Values = null);

/// <summary>
/// One documented response: status, description, body type (null: no JSON body), whether it carries the incident's
/// ETag, and for a file (no JSON body) its media type.
/// </summary>
public sealed record ApiResponse(int Status, string Description, Type? Body, bool ETag = false,
    string? MediaType = null);

/// <summary>
/// One documented HTTP operation: <see cref="OperationId"/> is the Azure Function's name and <see cref="Route"/> its
/// route (without "/api/"). Made from each route's declaration (AutoResponder.Routes.ApiRoute).
/// </summary>
public sealed record ApiOperation(string OperationId, string Method, string Route, string Tag, string Summary,
    IReadOnlyList<ApiParameter> Parameters, Type? RequestBody, bool RequestBodyRequired,
    IReadOnlyList<ApiResponse> Responses);

/// <summary>The documentation pieces routes share: common parameters and problems.</summary>
internal static class ApiDocs
{
    public static readonly ApiParameter Id =
        new("id", ParameterIn.Path, "The incident id, e.g. INC-20261126-4F7K.", Required: true);
    public static readonly ApiParameter IfMatch = new("If-Match", ParameterIn.Header,
        "Optional: the ETag of GET /api/incidents/{id}. When the incident changed since, nothing is changed and the answer is 412.");
    public static readonly ApiParameter Limit =
        new("limit", ParameterIn.Query, $"Page size, 1 to {PageRequest.MaxLimit} (default {PageRequest.DefaultLimit}).",
        Format: "int32");
    public static readonly ApiParameter Cursor =
        new("cursor", ParameterIn.Query, "The nextCursor of the previous page, unchanged (same filters).");

    public static ApiResponse Problem(int status, string description) => new(status, description, typeof(ProblemBody));
    public static readonly ApiResponse NotFound = Problem(404, "No such incident.");
    public static readonly ApiResponse BadInput = Problem(422, "An invalid value; `field` names it.");

    /// <summary>Problems any route can answer.</summary>
    public static readonly IReadOnlyList<ApiResponse> Common =
    [
        Problem(401, "No valid credentials: people send Authorization: Bearer (personal access token or Entra ID " +
            "token); alert senders the ingest key (x-functions-key header or code query parameter, on POST " +
            "/api/alerts only)."),
        Problem(403, "Signed in, but without the role the route needs (viewer reads, responder acts, ops downloads " +
            "exports, admin everything); or the ingest key on a people route."),
        Problem(503, "Storage is unavailable; retry (Retry-After when given)."),
    ];
}
