using AutoResponder.Incidents;
using AutoResponder.Tests.Infrastructure;
using AutoResponder.Tests.Outbox;

namespace AutoResponder.Tests.Incidents;

/// <summary>The one read + update-with-retry of features' typed state rows, on a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IncidentStatesTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_state_nobody_wrote_reads_fresh_and_typed_values_round_trip()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var states = app.Get<IncidentStates>();
        var fresh = await states.ReadAsync<NotifyState>("INC-1", default);
        Assert.False(fresh.Exists);
        Assert.Equal(("INC-1", IncidentState.Prefix + "test-notify", 0, null), (fresh.PartitionKey, fresh.RowKey, fresh.Sent, fresh.LastSentAt));

        var at = new DateTimeOffset(2026, 11, 26, 9, 30, 15, TimeSpan.Zero);
        await states.UpdateAsync<NotifyState>("INC-1", s => { s.Sent = 3; s.LastSentAt = at; s.MessageId = "m-1"; return true; }, default);

        var read = await states.ReadAsync<NotifyState>("INC-1", default);
        Assert.True(read.Exists);
        Assert.Equal((3, at, "m-1"), (read.Sent, read.LastSentAt, read.MessageId));
        var all = await states.ReadAllAsync("INC-1", default);
        Assert.Equal(3, all.Get<NotifyState>().Sent);
        var entity = (await app.Storage.IncidentTable.GetEntityAsync<Azure.Data.Tables.TableEntity>("INC-1", read.RowKey)).Value;
        Assert.IsType<int>(entity["Sent"]); // stored as typed properties, not strings
        Assert.IsType<DateTimeOffset>(entity["LastSentAt"]);
    }

    [Fact]
    public async Task Concurrent_updates_of_one_state_row_lose_nothing_each_either_applies_or_reports_busy()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?> { ["AutoResponder:ConflictRetries"] = "3" });
        var states = app.Get<IncidentStates>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ =>
        {
            try
            {
                await states.UpdateAsync<NotifyState>("INC-2", s => { s.Sent++; return true; }, default);
                return true;
            }
            catch (IncidentBusyException) { return false; }
        }));

        var applied = outcomes.Count(o => o);
        Assert.True(applied >= 1);
        Assert.Equal(applied, (await states.ReadAsync<NotifyState>("INC-2", default)).Sent); // every applied increment is there, none twice
    }
}
