using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Core;

namespace AutoResponder.Switches;

/// <summary>
/// Mirrors a switch to a feature-flag store, so storefronts using Microsoft.FeatureManagement see it.
/// </summary>
internal interface IFeatureFlagMirror
{
    Task SetAsync(string name, bool enabled, string description, CancellationToken ct);
}

/// <summary>
/// Azure App Configuration feature flags over the data-plane REST API (PUT /kv/.appconfig.featureflag%2F{name}), with
/// an Entra token for the store (identity-based: managed identity in Azure; no access keys). The
/// Azure.Data.AppConfiguration SDK is not in this project's package feed, so this small client speaks the documented
/// protocol itself.
/// </summary>
internal sealed class AppConfigurationFeatureFlags(HttpClient http, TokenCredential credential,
    AppConfigurationMirrorOptions options) : IFeatureFlagMirror
{
    public const string FlagPrefix = ".appconfig.featureflag/";
    public const string FlagContentType = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";

    public async Task SetAsync(string name, bool enabled, string description, CancellationToken ct)
    {
        var endpoint = options.Endpoint!.TrimEnd('/');
        var token = await credential.GetTokenAsync(new TokenRequestContext([$"{endpoint}/.default"]), ct);
        var url = $"{endpoint}/kv/{Uri.EscapeDataString(FlagPrefix + name)}?api-version=1.0"
            + (string.IsNullOrEmpty(options.Label) ? "" : $"&label={Uri.EscapeDataString(options.Label)}");
        var flag = JsonSerializer.Serialize(new { id = name, description, enabled, conditions = new { client_filters = Array.Empty<object>() } });
        var body = JsonSerializer.Serialize(new { value = flag, content_type = FlagContentType });
        using var request = new HttpRequestMessage(HttpMethod.Put, url)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/vnd.microsoft.appconfig.kv+json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(ct);
            var message = $"App Configuration answered {(int)response.StatusCode} for feature flag '{name}': " +
                $"{detail[..Math.Min(detail.Length, 300)]}";
            if ((int)response.StatusCode is 400 or 401 or 403 or 404)
                throw new Outbox.PermanentOutboxException(message);
            throw new HttpRequestException(message);
        }
    }
}
