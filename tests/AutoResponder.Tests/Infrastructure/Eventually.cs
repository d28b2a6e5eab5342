namespace AutoResponder.Tests.Infrastructure;

/// <summary>
/// Waits for a condition that background work makes true (a stored row, a delivered message), checking it
/// again as soon as the previous check finishes. Not a sleep: it returns the moment the condition holds, and
/// fails with <paramref name="what"/> if it never does within a generous bound.
/// </summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int maxChecks = 2000)
    {
        for (var i = 0; i < maxChecks; i++)
        {
            if (await condition()) return;
            await Task.Yield();
        }
        Assert.Fail($"Never happened: {what}");
    }
}
