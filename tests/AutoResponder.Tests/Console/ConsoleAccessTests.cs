using System.Net;
using AutoResponder.WebConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoResponder.Tests.WebConsole;

/// <summary>Until console sign-in exists, only a loopback browser of the standalone host may use the console.</summary>
public sealed class ConsoleAccessTests
{
    [Theory]
    [InlineData(true, "127.0.0.1", true)]
    [InlineData(true, "::1", true)]
    [InlineData(true, "10.1.2.3", false)]
    [InlineData(false, "127.0.0.1", false)] // the Function app: requests reach the worker from the host, never trusted
    public async Task Only_a_loopback_caller_of_a_host_that_trusts_loopback_gets_in(bool trustLoopback, string ip, bool allowed)
    {
        var access = new ConsoleAccess(Options.Create(new ConsoleOptions { TrustLoopback = trustLoopback }));
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(ip);
        var (user, _) = await access.CallerAsync(context.Request, default);
        Assert.Equal(allowed, user is not null);
    }
}
