using System.Text.Json.Serialization;
using AutoResponder.Storage;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.Http;

/// <summary>
/// An RFC 9457 problem details body. <see cref="Field"/> names the offending input (a JSON path, query or route
/// parameter).
/// </summary>
internal sealed record ProblemBody(
    string Type,
    string Title,
    int Status,
    string Detail,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CurrentStatus = null);

/// <summary>The client errors the API answers with. Never a 500 for bad input.</summary>
public static class Problems
{
    private const string ContentType = "application/problem+json; charset=utf-8";

    public static ApiResult Create(int status, string title, string detail, string? field = null,
        string? currentStatus = null) =>
        new(status, new ProblemBody($"https://autoresponder.dev/problems/{Slug(status)}", title, status, detail, field, currentStatus), ContentType);

    public static ApiResult Malformed(string detail, string field = "$")
        => Create(StatusCodes.Status400BadRequest, "Malformed request", detail, field);
    public static ApiResult Missing(string field)
        => Create(StatusCodes.Status400BadRequest, "Missing field", $"The field '{field}' is required.", field);
    public static ApiResult Invalid(string field, string detail)
        => Create(StatusCodes.Status422UnprocessableEntity, "Invalid value", detail, field);
    public static ApiResult TooLarge(int max)
        => Create(StatusCodes.Status413PayloadTooLarge, "Request body too large",
        $"The request body exceeds the limit of {max} bytes (setting AutoResponder:MaxRequestBytes).", "$");
    public static ApiResult UnsupportedMediaType(string? actual)
        => Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
        $"Send the body as application/json (got '{actual ?? "no Content-Type"}').", "Content-Type");
    public static ApiResult Unauthorized(string detail, string field)
        => Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail, field);
    public static ApiResult Forbidden(string detail) => Create(StatusCodes.Status403Forbidden, "Forbidden", detail);
    public static ApiResult NotFound(string id)
        => Create(StatusCodes.Status404NotFound, "Incident not found", $"There is no incident '{id}'.", "id");
    public static ApiResult PreconditionFailed(string detail)
        => Create(StatusCodes.Status412PreconditionFailed, "Precondition failed", detail, "If-Match");
    /// <summary>
    /// How long a sender is asked to wait before retrying a 503 (storage or a dependency briefly away).
    /// </summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// 503 with Retry-After: every 503 tells the sender when to come back (Azure Monitor and Alertmanager retry).
    /// </summary>
    public static ApiResult Unavailable(string detail) =>
        Create(StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", detail)
            .WithHeader("Retry-After", RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// 503 with Retry-After: the record (an incident) kept changing under us (other instances won every race); a retry
    /// is safe.
    /// </summary>
    public static ApiResult Busy(BusyException e)
    {
        var result = Unavailable($"{e.Message} Nothing from this request was lost: a retry is recognised.");
        result.Headers["Retry-After"] = ((int)Math.Ceiling(BusyException.RetryAfter.TotalSeconds))
            .ToString(System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }

    private static string Slug(int status) => status switch
    {
        400 => "malformed-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        409 => "invalid-transition",
        412 => "precondition-failed",
        413 => "too-large",
        415 => "unsupported-media-type",
        422 => "invalid-value",
        503 => "unavailable",
        _ => "error",
    };
}
