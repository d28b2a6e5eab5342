using System.CommandLine;
using AutoResponder.Access;
using AutoResponder.Composition;
using AutoResponder.Storage;

namespace AutoResponder.Cli.Tokens;

/// <summary>
/// `autoresponder tokens create|list|revoke`: personal access tokens for people using the API or the console
/// (sent as Authorization: Bearer). Same settings as the hosts: AzureWebJobsStorage (default Azurite) and
/// AutoResponder:StoragePrefix. Whoever can run this against the storage account is an admin.
/// </summary>
internal static class TokenCommands
{
    /// <param name="settings">Settings laid over the usual configuration (environment, appsettings): tests name their
    /// Azurite and prefix.</param>
    /// <param name="clock">The clock that dates tokens and judges expiry (tests pass the host's fake clock); the system
    /// clock by default.</param>
    public static Command Create(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var name = new Option<string>("--name")
        {
            Description = "Who the token is for (shown on the timeline as the actor), e.g. alice@shop.example.",
            Required = true,
        };
        var role = new Option<string[]>("--role")
        {
            Description = $"Role(s): {string.Join(", ", Roles.All)}. Repeat for several.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the token (for scripts)." };
        var expires = new Option<string>("--expires")
        {
            Description = $"When it stops working: a number of days (\"30d\" or \"30\") or a date (2027-03-31, UTC midnight). Default {PersonalAccessTokens.DefaultLifetime.TotalDays:0} days, at most {PersonalAccessTokens.MaxLifetime.TotalDays:0}.",
        };
        var create = new Command("create", "Create a token; it is printed once and stored only as a SHA-256 hash.")
        {
            name, role, expires, quiet,
        };
        create.SetAction(async (parse, ct) => await WithTokensAsync(settings, clock, async tokens =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            try
            {
                var lifetime = Lifetime(parse.GetValue(expires), tokens.Now);
                var created = await tokens.CreateAsync(parse.GetValue(name)!,
                    parse.GetValue(role)!.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries)), ct,
                    lifetime);
                if (parse.GetValue(quiet)) { output.WriteLine(created.Token); return 0; }
                output.WriteLine($"Token {created.Record.Id} for {created.Record.Name} ({created.Record.Roles}), " +
                    $"expires {created.Record.ExpiresAt:u}. Shown once; keep it secret:");
                output.WriteLine();
                output.WriteLine(created.Token);
                output.WriteLine();
                output.WriteLine($"Use: curl -H \"authorization: Bearer <token>\" http://127.0.0.1:7071/api/incidents   Revoke: autoresponder tokens revoke {created.Record.Id}");
                return 0;
            }
            catch (ArgumentException e)
            {
                error.WriteLine(e.Message.Split(" (Parameter")[0]);
                return 2;
            }
        }));

        var list = new Command("list",
            "List tokens (id, name, roles, created, expires, last used, revoked); never the secrets.");
        list.SetAction(async (parse, ct) => await WithTokensAsync(settings, clock, async tokens =>
        {
            var output = parse.InvocationConfiguration.Output;
            var all = await tokens.ListAsync(ct);
            var now = tokens.Now;
            if (all.Count == 0) output.WriteLine("No tokens. Create one: autoresponder tokens create --name " +
                "you@example.com --role responder");
            foreach (var t in all)
                output.WriteLine($"{t.Id}  {t.Name,-32} {t.Roles,-28} created {t.CreatedAt:u}  {State(t, now)}  " +
                                 (t.LastUsedAt is { } used ? $"last used {used:u}" : "not used yet"));
            var expiring = all.Where(t => t.IsExpiringSoon(now, PersonalAccessTokens.ExpiryWarning)).ToList();
            foreach (var t in expiring)
                output.WriteLine($"Warning: token {t.Id} ({t.Name}) expires in " +
                    $"{Math.Ceiling((t.ExpiresAt!.Value - now).TotalDays):0} day(s): create a new one and revoke it.");
            return 0;
        }));

        var id = new Argument<string>("id") { Description = "The token id shown by `tokens list`." };
        var revoke = new Command("revoke", "Revoke a token: it stops working on the next request.") { id };
        revoke.SetAction(async (parse, ct) => await WithTokensAsync(settings, clock, async tokens =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (await tokens.RevokeAsync(parse.GetValue(id)!, ct)) { output.WriteLine($"Token {parse.GetValue(id)} revoked."); return 0; }
            error.WriteLine($"No token '{parse.GetValue(id)}'.");
            return 2;
        }));

        return new Command("tokens", "Personal access tokens for people (Authorization: Bearer).")
        {
            create, list, revoke,
        };
    }

    /// <summary>The token's state as `tokens list` shows it.</summary>
    private static string State(AccessTokenRecord t, DateTimeOffset now) =>
        t.RevokedAt is { } r ? $"REVOKED {r:u}"
        : t.ExpiresAt is not { } e ? "no expiry (made before tokens expired: replace it)"
        : e <= now ? $"EXPIRED {e:u}"
        : t.IsExpiringSoon(now, PersonalAccessTokens.ExpiryWarning) ? $"EXPIRES SOON {e:u}"
        : $"expires {e:u}";

    /// <summary>"--expires": "30d", "30" (days) or a date (UTC midnight); null for the default.</summary>
    internal static TimeSpan? Lifetime(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        var days = text.EndsWith('d') ? text[..^1] : text;
        if (int.TryParse(days, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var n)) return TimeSpan.FromDays(n);
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out var date))
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) - now;
        throw new ArgumentException($"--expires must be a number of days (30d) or a date (2027-03-31), not '{value}'.");
    }

    private static async Task<int> WithTokensAsync(IReadOnlyDictionary<string, string?>? settings, TimeProvider? clock,
        Func<PersonalAccessTokens, Task<int>> run)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        StorageClients.DefaultToDevelopmentStorage(builder.Configuration);
        if (clock is not null) builder.Services.AddSingleton(clock);
        builder.Services.AddAutoResponder(builder.Configuration);
        using var host = builder.Build();
        var tokens = host.Services.GetRequiredService<PersonalAccessTokens>();
        await tokens.EnsureCreatedAsync(CancellationToken.None);
        return await run(tokens);
    }
}
