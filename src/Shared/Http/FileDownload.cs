using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace AutoResponder.Http;

/// <summary>
/// A download both hosts execute (the Functions worker as <see cref="IActionResult"/>, the standalone host as
/// <see cref="IResult"/>): a stream copied to the response as an attachment, never buffered whole; or, when there
/// is nothing to download, the problem details of <see cref="ApiResult"/>. Not cached anywhere (customer data).
/// </summary>
public sealed class FileDownload : IActionResult, IResult
{
    private readonly ApiResult? _problem;
    private readonly Stream? _content;
    private readonly string _contentType = "";
    private readonly string _fileName = "";
    private readonly long? _length;

    private FileDownload(ApiResult problem) => _problem = problem;

    private FileDownload(Stream content, string contentType, string fileName, long? length)
    {
        _content = content;
        _contentType = contentType;
        _fileName = fileName;
        _length = length;
    }

    /// <summary>
    /// Streams <paramref name="content"/> (disposed after the copy) as an attachment named <paramref name="fileName"/>.
    /// </summary>
    public static FileDownload Attachment(Stream content, string contentType, string fileName, long? length)
        => new(content, contentType, fileName, length);

    public static FileDownload Problem(ApiResult problem) => new(problem);

    public int StatusCode => _problem?.StatusCode ?? StatusCodes.Status200OK;

    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        if (_problem is not null) { await _problem.ExecuteAsync(httpContext); return; }
        await using var content = _content!;
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = _contentType;
        if (_length is { } length) response.ContentLength = length;
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = _fileName, FileNameStar = _fileName }.ToString();
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        await content.CopyToAsync(response.Body, httpContext.RequestAborted);
    }
}
