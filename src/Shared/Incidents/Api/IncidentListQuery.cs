using System.Globalization;
using AutoResponder.Alerts;
using AutoResponder.Http;
using AutoResponder.Incidents.Resources;
using AutoResponder.Storage;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;

namespace AutoResponder.Incidents.Api;

/// <summary>The filters of GET /api/incidents, validated. No status: every incident not closed.</summary>
public sealed record IncidentFilter(IReadOnlySet<IncidentStatus> Statuses, IReadOnlySet<Severity> Severities,
    string? Service, DateTimeOffset? Since)
{
    public bool WantsLive => Statuses.Count == 0 || Statuses.Any(s => s != IncidentStatus.Closed);
    public bool WantsClosed => Statuses.Contains(IncidentStatus.Closed);

    /// <summary>The filters in a canonical form: a cursor is valid only for the same filters.</summary>
    public string Scope =>
        $"incidents|{string.Join(',', Statuses.Order())}|{string.Join(',', Severities.Order())}|{Service?.ToLowerInvariant()}|{Since?.UtcTicks}";

    public bool Matches(IncidentRecord i) =>
        (Statuses.Count == 0 ? i.Status != IncidentStatus.Closed : Statuses.Contains(i.Status)) &&
        (Severities.Count == 0 || Severities.Contains(i.Severity)) &&
        (Service is null || string.Equals(i.Service, Service, StringComparison.OrdinalIgnoreCase)) &&
        (Since is null || i.OpenedAt >= Since);

    public static IncidentFilter? Read(HttpRequest request, out ApiResult? problem)
    {
        problem = null;
        var statuses = new HashSet<IncidentStatus>();
        foreach (var part in Values(request, "status"))
        {
            if (!IncidentStatusText.TryParse(part, out var status))
            {
                problem = Problems.Invalid("status",
                    $"'{part}' is not a status: use open, acknowledged, mitigated, resolved or closed.");
                return null;
            }
            statuses.Add(status);
        }
        var severities = new HashSet<Severity>();
        foreach (var part in Values(request, "severity"))
        {
            if (!Enum.TryParse<Severity>(part, ignoreCase: true, out var severity) || !Enum.IsDefined(severity)
                || !part.StartsWith("sev", StringComparison.OrdinalIgnoreCase))
            {
                problem = Problems.Invalid("severity",
                    $"'{part}' is not a severity: use Sev0, Sev1, Sev2, Sev3 or Sev4.");
                return null;
            }
            severities.Add(severity);
        }
        var service = request.Query["service"].ToString().Trim();
        if (service.Length > 200)
        {
            problem = Problems.Invalid("service", "'service' is longer than 200 characters.");
            return null;
        }
        DateTimeOffset? since = null;
        var sinceText = request.Query["since"].ToString().Trim();
        if (sinceText.Length > 0)
        {
            if (!sinceText.Contains('T') || !DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                problem = Problems.Invalid("since",
                    $"'since' must be an ISO-8601 date-time such as 2026-11-26T15:00:00Z (got '{sinceText}').");
                return null;
            }
            since = at;
        }
        return new IncidentFilter(statuses, severities, service.Length == 0 ? null : service, since);
    }

    private static IEnumerable<string> Values(HttpRequest request, string name) =>
        request.Query[name].SelectMany(s =>
            (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>
/// GET /api/incidents without a table scan: candidates come from the IncidentIndex listing partitions — the live
/// incidents ("active", read whole: it holds only incidents not yet closed) newest opened first, then the closed
/// ones ("closed", keyed newest closed first, read a page at a time) — and each candidate's incident row is the
/// truth the filters are checked against (index rows are hints). The cursor is the position of the last
/// candidate examined. A page examines at most a bounded number of candidates, so a narrow filter over many
/// closed incidents may answer a short (even empty) page with a cursor: follow it until it is null.
/// </summary>
public sealed class IncidentListQuery(StorageClients storage, IncidentIndex index, IncidentStore store)
{
    private const string LivePhase = "a|";
    private const string ClosedPhase = "c|";

    public async Task<IncidentList> ReadAsync(IncidentFilter filter, PageRequest page, CancellationToken ct)
    {
        var items = new List<IncidentListItem>(page.Limit);
        var budget = Math.Max(page.Limit * 4, 200);
        var examined = 0;
        await using var candidates = CandidatesAsync(filter, page.After, ct).GetAsyncEnumerator(ct);
        var more = await candidates.MoveNextAsync();
        while (more)
        {
            var chunk = new List<(string Position, bool Closed, IncidentListing Listing)>();
            while (more && chunk.Count < Math.Clamp(page.Limit - items.Count, 8, 100))
            {
                chunk.Add(candidates.Current);
                more = await candidates.MoveNextAsync();
            }
            var records = await Task.WhenAll(chunk.Select(c => store.FindAsync(c.Listing.IncidentId, ct)));
            for (var k = 0; k < chunk.Count; k++)
            {
                examined++;
                // Each incident is listed once: as live from "active", as closed from "closed" (a stale row in the
                // other partition is skipped).
                if (records[k] is { } incident && (incident.Status == IncidentStatus.Closed) == chunk[k].Closed
                    && filter.Matches(incident))
                    items.Add(IncidentResources.ToListItem(incident));
                var hasMore = k < chunk.Count - 1 || more;
                if (items.Count == page.Limit || (examined >= budget && hasMore))
                    return new IncidentList(items, hasMore ? PageCursor.Encode(filter.Scope, chunk[k].Position) : null);
            }
        }
        return new IncidentList(items, null);
    }

    private async IAsyncEnumerable<(string Position, bool Closed, IncidentListing Listing)> CandidatesAsync(
        IncidentFilter filter, string? after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var inClosedPhase = after?.StartsWith(ClosedPhase, StringComparison.Ordinal) == true;
        if (filter.WantsLive && !inClosedPhase)
        {
            var live = (await index.ListAsync(IncidentIndex.ActivePartition, int.MaxValue, ct))
                .Select(l => (Position: $"{LivePhase}{Keys.InvertedTicks(l.At)}|{l.IncidentId}", Listing: l))
                .Where(c => after is null || string.CompareOrdinal(c.Position, after) > 0)
                .OrderBy(c => c.Position, StringComparer.Ordinal);
            foreach (var (position, listing) in live)
            {
                if (filter.Since is { } since && listing.At < since) break; // newest opened first: the rest is older
                yield return (position, false, listing);
            }
        }
        if (!filter.WantsClosed) yield break;

        var from = inClosedPhase ? after![ClosedPhase.Length..] : null;
        var query = from is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {IncidentIndex.ClosedPartition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {IncidentIndex.ClosedPartition} and RowKey gt {from}");
        await foreach (var listing in storage.IncidentIndex.QueryAsync<IncidentListing>(query, maxPerPage: 200,
            cancellationToken: ct))
        {
            // Newest closed first; an incident closed before "since" was opened before it too.
            if (filter.Since is { } since && listing.At < since) yield break;
            yield return ($"{ClosedPhase}{listing.RowKey}", true, listing);
        }
    }
}
