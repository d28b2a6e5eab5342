using AutoResponder.Incidents;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.Incidents;

/// <summary>New pointer rows of one index partition are claimed together: first claimer wins each row, in shared transactions.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PointerClaimsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_storm_of_new_claims_in_one_group_shares_transactions()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var index = app.Get<IncidentIndex>();
        await app.Storage.IncidentIndex.CreateIfNotExistsAsync();
        var now = app.Time.GetUtcNow();
        var before = app.Storage.Requests.Snapshot();

        var won = new bool[120];
        await Parallel.ForEachAsync(Enumerable.Range(0, won.Length), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, ct) =>
            won[i] = await index.TryClaimAsync(IncidentIndex.DedupPointer($"d-{i}", "g-1"), null, $"INC-{i}", now, ct));

        var requests = (app.Storage.Requests.Snapshot() - before).Tables;
        Assert.All(won, Assert.True);
        Assert.InRange(requests, 1, 60); // one by one they would be 120
        for (var i = 0; i < won.Length; i += 17)
            Assert.Equal($"INC-{i}", (await index.GetPointerAsync(IncidentIndex.DedupPointer($"d-{i}", "g-1"), default))!.IncidentId);
    }

    [Fact]
    public async Task Concurrent_claims_of_the_same_rows_have_exactly_one_winner_each_and_an_existing_row_keeps_its_claimer()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var index = app.Get<IncidentIndex>();
        await app.Storage.IncidentIndex.CreateIfNotExistsAsync();
        var now = app.Time.GetUtcNow();
        Assert.True(await index.TryClaimAsync(IncidentIndex.DedupPointer("d-7", "g-1"), null, "INC-OLD", now, default));

        // 120 claims of 40 rows (each row three times, by different incidents), 24 at a time.
        var claims = Enumerable.Range(0, 120).Select(i => (Row: $"d-{i % 40}", Incident: $"INC-{i}")).ToList();
        var won = new bool[claims.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, claims.Count), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, ct) =>
            won[i] = await index.TryClaimAsync(IncidentIndex.DedupPointer(claims[i].Row, "g-1"), null, claims[i].Incident, now, ct));

        for (var row = 0; row < 40; row++)
        {
            var winners = Enumerable.Range(0, claims.Count).Where(i => won[i] && claims[i].Row == $"d-{row}").ToList();
            var stored = (await index.GetPointerAsync(IncidentIndex.DedupPointer($"d-{row}", "g-1"), default))!;
            if (row == 7)
            {
                Assert.Empty(winners);
                Assert.Equal("INC-OLD", stored.IncidentId);
                continue;
            }
            Assert.Equal(claims[Assert.Single(winners)].Incident, stored.IncidentId); // the winner is the one stored
        }
    }

    [Fact]
    public async Task Pointers_of_grouped_alerts_live_in_the_group_partition_and_ungrouped_ones_alone()
    {
        Assert.Equal(IncidentIndex.GroupPointer("g").Partition, IncidentIndex.DedupPointer("d", "g").Partition);
        Assert.NotEqual(IncidentIndex.GroupPointer("g").Row, IncidentIndex.DedupPointer("d", "g").Row);
        Assert.NotEqual(IncidentIndex.DedupPointer("d", null).Partition, IncidentIndex.DedupPointer("e", null).Partition);
    }
}
