using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AutoResponder.Http;

/// <summary>
/// A JSON response that both hosts can execute: the Functions worker as an <see cref="IActionResult"/>,
/// the standalone ASP.NET Core host as an <see cref="IResult"/>. It writes the response itself, so
/// neither host needs MVC's formatters.
/// </summary>
public sealed class ApiResult(int statusCode, object? body, string contentType = "application/json; charset=utf-8")
    : IActionResult, IResult
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = false,
    };

    public int StatusCode { get; } = statusCode;
    public object? Body { get; } = body;
    public string ContentType { get; } = contentType;
    /// <summary>Extra response headers (e.g. ETag, Retry-After).</summary>
    public IDictionary<string, string> Headers { get; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public ApiResult WithHeader(string name, string value)
    {
        Headers[name] = value;
        return this;
    }

    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        foreach (var (name, value) in Headers) response.Headers[name] = value;
        if (Body is null) return;
        response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(response.Body, Body, Body.GetType(), Json, httpContext.RequestAborted);
    }

    public static ApiResult Ok(object body) => new(StatusCodes.Status200OK, body);
    public static ApiResult Accepted(object body) => new(StatusCodes.Status202Accepted, body);
}
