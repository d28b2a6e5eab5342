using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.Http;

/// <summary>
/// Reads a request body as JSON with the API's rules: JSON content type (415), a size cap (413),
/// an optional UTF-8 byte-order mark, strict UTF-8 (invalid bytes are a 400, never a 500), malformed JSON as a 400
/// that says where, and <see cref="JsonHygiene"/> over the parsed document (lone surrogates, huge numbers,
/// strings, arrays and objects are rejected naming their path).
/// </summary>
internal static class JsonBody
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public readonly record struct Result(JsonDocument? Document, ApiResult? Error);

    public static async Task<Result> ReadAsync(HttpRequest request, int maxBytes, bool allowEmpty, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return new(null, Problems.TooLarge(maxBytes));

        // Sized by Content-Length when the sender gives one; the read buffer is pooled (a fresh 16 KiB array per
        // request was a quarter of the bytes an alert delivery allocated).
        var buffer = new MemoryStream(request.ContentLength is > 0 and var length ? (int)length : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > maxBytes) return new(null, Problems.TooLarge(maxBytes));
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (bytes.Span.StartsWith(Utf8Bom)) bytes = bytes[3..];
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty)
            return allowEmpty ? new(JsonDocument.Parse("{}"), null)
                : new(null, Problems.Malformed("The request body is empty; send a JSON object."));

        if (!IsJson(request.ContentType)) return new(null, Problems.UnsupportedMediaType(request.ContentType));
        if (!Utf8.IsValid(bytes.Span))
            return new(null, Problems.Malformed("The body is not valid UTF-8: send JSON encoded as UTF-8.", "$"));

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            return new(null, Problems.Malformed($"The body is not valid JSON (line {e.LineNumber + 1}, byte " +
                $"{e.BytePositionInLine + 1}).", "$"));
        }
        if (JsonHygiene.Check(document.RootElement) is { } problem)
        {
            document.Dispose();
            return new(null, problem);
        }
        return new(document, null);
    }

    /// <summary>
    /// Deepest nesting accepted; deeper is a 400 (no documented payload nests more than about 10 levels).
    /// </summary>
    public const int MaxDepth = 64;

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
            return false;
        if (media.CharSet is { Length: > 0 } charset
            && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)) return false;
        var type = media.MediaType ?? "";
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase)
                && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
