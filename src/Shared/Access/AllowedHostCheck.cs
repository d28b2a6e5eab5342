using System.Collections.Concurrent;
using AutoResponder.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace AutoResponder.Access;

/// <summary>
/// DNS-rebinding protection for the standalone host: only the host names in <c>AutoResponder:Access:AllowedHosts</c>
/// (loopback by default) are answered, with ASP.NET Core's own matching (<see cref="HostString.MatchesAny"/>: exact
/// names, <c>*.example.com</c>, any port). It replaces the framework's host filtering, whose refusal is a bare "Invalid
/// Hostname" that tells nobody what to fix: here a refused request gets a 400 problem naming the setting, and the
/// operator a warning naming the host people used (once per host name, at most <see cref="HostsWarnedAbout"/>). The
/// answer does not list the allowed names: a page that rebinds a name to this host could read it.
/// </summary>
public sealed class AllowedHostCheck(IReadOnlyList<string> allowed, ILogger log)
{
    public const int HostsWarnedAbout = 100;
    private readonly StringSegment[] _patterns = [.. allowed.Select(h => new StringSegment(h))];
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var host = context.Request.Host;
        if (host.HasValue && HostString.MatchesAny(new StringSegment(host.Host), _patterns))
        {
            await next(context);
            return;
        }
        var name = host.HasValue ? host.Host : "";
        if (_warned.Count < HostsWarnedAbout && _warned.TryAdd(name, true))
            log.LogWarning("Refused a request for host '{Host}': it is not in {Setting} ({Allowed}). If people reach " +
                "this host by that name (a proxy, a DNS name), add it to that setting (environment {Variable}__N).",
                name, Setting, string.Join(", ", allowed), Setting.Replace(":", "__"));
        await Problems.Create(StatusCodes.Status400BadRequest, "Host not allowed",
            $"This AutoResponder does not answer the host name '{name}'. If that is the address people use, the " +
            $"operator adds it to the setting {Setting}.", "Host").ExecuteAsync(context);
    }

    private const string Setting = AccessOptions.Section + ":" + nameof(AccessOptions.AllowedHosts);
}
