using AutoResponder.Hosting;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Graph;

/// <summary>
/// The two identities AutoResponder calls Graph as. Tests replace this to simulate an expired sign-in.
/// </summary>
public interface IGraphCredentials
{
    /// <summary>The service account (delegated: Teams channel posts need ChannelMessage.Send).</summary>
    TokenCredential Delegated { get; }
    /// <summary>The application itself (app-only: e.g. Mail.Send scoped to one mailbox).</summary>
    TokenCredential AppOnly { get; }
}

/// <summary>
/// Live: the service account from the blob-backed sign-in, and a client secret or managed identity for
/// app-only calls. File mode: a fixed placeholder token (nothing leaves the machine).
/// </summary>
internal sealed class GraphCredentials : IGraphCredentials
{
    private readonly Lazy<TokenCredential> _delegated;
    private readonly Lazy<TokenCredential> _appOnly;

    public GraphCredentials(IntegrationSettings<GraphOptions> settings, IServiceProvider services)
    {
        var o = settings.Value;
        // not ready: the transport makes every call wait
        var live = settings.Ready && o.EffectiveMode == GraphMode.Live;
        _delegated = new(() => live
            ? services.GetRequiredService<ServiceAccountCredential>() : new FixedTokenCredential());
        _appOnly = new(() => !live ? new FixedTokenCredential()
            : !string.IsNullOrEmpty(o.ClientSecret)
                ? new ClientSecretCredential(o.TenantId, o.AppClientId ?? o.ClientId, o.ClientSecret)
            : new ManagedIdentityCredential(string.IsNullOrEmpty(o.ManagedIdentityClientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(o.ManagedIdentityClientId)));
    }

    public TokenCredential Delegated => _delegated.Value;
    public TokenCredential AppOnly => _appOnly.Value;
}

/// <summary>A token that never expires and authorises nothing: file mode and tests.</summary>
internal sealed class FixedTokenCredential(string token = "file-outbox") : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(token, DateTimeOffset.UtcNow.AddHours(1));

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
