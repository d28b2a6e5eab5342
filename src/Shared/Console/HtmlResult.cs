using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AutoResponder.WebConsole;

/// <summary>
/// A console response both hosts execute (the Functions worker as <see cref="IActionResult"/>, the standalone
/// host as <see cref="IResult"/>): an HTML page or fragment, a redirect, or an embedded asset. Pages carry a
/// strict Content-Security-Policy (scripts and styles only from this app, no inline script), so even a
/// mistake in encoding could not run a script an alert smuggled in.
/// </summary>
public sealed class HtmlResult : IActionResult, IResult
{
    public const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
                                 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public int StatusCode { get; }
    public string? Body { get; }
    private readonly byte[]? _bytes;
    private readonly string _contentType;
    private readonly string? _location;
    private readonly List<(string Name, string Value)> _headers = [];
    private readonly List<(string Name, string Value, CookieOptions Options)> _cookies = [];

    private HtmlResult(int status, string? body, byte[]? bytes, string contentType, string? location)
    {
        StatusCode = status;
        Body = body;
        _bytes = bytes;
        _contentType = contentType;
        _location = location;
    }

    public static HtmlResult Page(string html, int status = StatusCodes.Status200OK)
        => new(status, html, null, "text/html; charset=utf-8", null);

    /// <summary>303 See Other: after a form post, the browser loads the page with GET.</summary>
    public static HtmlResult SeeOther(string location)
        => new(StatusCodes.Status303SeeOther, null, null, "text/plain", location);

    public static HtmlResult Asset(byte[] bytes, string contentType)
        => new(StatusCodes.Status200OK, null, bytes, contentType, null);

    public static HtmlResult NotFound()
        => Page("<!doctype html><title>Not found</title><p>Not found.</p>", StatusCodes.Status404NotFound);

    public HtmlResult WithHeader(string name, string value) { _headers.Add((name, value)); return this; }

    public HtmlResult WithCookie(string name, string value, CookieOptions options) { _cookies.Add((name, value, options)); return this; }

    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        AutoResponder.Http.SecurityHeaders.Hsts(httpContext);
        if (_bytes is null)
        {
            headers.ContentSecurityPolicy = Policy;
            headers.XFrameOptions = "DENY";
            headers.CacheControl = "no-store";
        }
        else headers.CacheControl = "public, max-age=3600";
        foreach (var (name, value) in _headers) headers[name] = value;
        foreach (var (name, value, options) in _cookies) response.Cookies.Append(name, value, options);
        if (_location is not null) headers.Location = _location;
        if (Body is null && _bytes is null) return;
        response.ContentType = _contentType;
        var bytes = _bytes ?? Encoding.UTF8.GetBytes(Body!);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, httpContext.RequestAborted);
    }
}
