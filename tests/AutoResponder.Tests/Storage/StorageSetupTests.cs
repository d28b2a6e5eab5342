using AutoResponder.Storage;
using Azure;

namespace AutoResponder.Tests.Storage;

public class StorageSetupTests
{
    private sealed class Initializer(Exception? failure = null) : IStorageInitializer
    {
        public int Calls { get; private set; }
        public Task EnsureCreatedAsync(CancellationToken cancellationToken)
        {
            Calls++;
            return failure is null ? Task.CompletedTask : Task.FromException(failure);
        }
    }

    [Fact]
    public async Task A_403_while_roles_propagate_is_logged_and_start_up_goes_on()
    {
        var refused = new Initializer(new RequestFailedException(403, "This request is not authorized to perform this operation using this permission.", "AuthorizationPermissionMismatch", null));
        var next = new Initializer();

        await new StorageSetup([refused, next]).EnsureCreatedAsync();

        Assert.Equal((1, 1), (refused.Calls, next.Calls));
    }

    [Fact]
    public async Task Other_storage_errors_still_stop_start_up()
    {
        var broken = new Initializer(new RequestFailedException(400, "InvalidResourceName"));
        await Assert.ThrowsAsync<RequestFailedException>(() => new StorageSetup([broken]).EnsureCreatedAsync());
    }
}
