using System.Globalization;
using System.Text.Json;
using AutoResponder.ActionItems;
using AutoResponder.Changes;
using AutoResponder.Composition;
using AutoResponder.Impact;
using AutoResponder.Impact.Orders;
using AutoResponder.Impact.Seeding;
using AutoResponder.Incidents;
using AutoResponder.OnCall;
using AutoResponder.Outbox;
using AutoResponder.PriceGuard;
using AutoResponder.Reminders;
using AutoResponder.StatusEmails;
using AutoResponder.Storage;
using AutoResponder.Switches;
using AutoResponder.Watch;

namespace AutoResponder.Cli.Drill;

/// <summary>The drill's clock: simulated time that only moves when the drill moves it (the compressed clock).</summary>
internal sealed class DrillClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;
    public override DateTimeOffset GetUtcNow() => Now;
    public void Advance(TimeSpan by) => Now += by;
    public void Set(DateTimeOffset at) => Now = at;
}

internal sealed record DrillSpec
{
    /// <summary>Orders of history seeded before the drill starts (one day).</summary>
    public int HistoryOrders { get; init; } = 2_000;
    /// <summary>Orders per simulated minute while checkout is open.</summary>
    public int OrdersPerMinute { get; init; } = 30;
    /// <summary>Where the Graph requests (Teams posts, emails) are written.</summary>
    public string OutboxFolder { get; init; } = Path.Combine(".outbox", "drill");
    public int RandomSeed { get; init; } = 7;
}

internal sealed record DrillStep(string Name, bool Happened, string Detail);

/// <summary>What the drill measured.</summary>
internal sealed record DrillScorecard(
    string IncidentId,
    string StoragePrefix,
    TimeSpan? TimeToDetect,
    TimeSpan? TimeToAcknowledge,
    int AffectedBeforeSwitch,
    int AffectedAfterSwitch,
    IReadOnlyDictionary<string, decimal> MoneyAtRisk,
    int SnapshotOrders,
    IReadOnlyList<string> Sent,
    IReadOnlyList<DrillStep> Steps)
{
    public bool Passed => Steps.All(s => s.Happened);
}

/// <summary>
/// `autoresponder drill price-tampering`: replays the incident this product comes from, end to end, against fresh
/// storage (its own prefix) on a compressed clock. A simulated storefront places orders every simulated minute (and
/// honours the checkout-paused switch); a release lets customers edit the price of one shoe; the price guard fires;
/// the pipeline opens the incident and sends Teams posts, manager emails and the ops export (file Graph transport); a
/// responder acknowledges, pauses checkout, lands the fix, resumes; the watch sees clean orders; resolve, postmortem
/// draft, reminders, hand-over and sign-off of the watch. Every step is checked; the scorecard says what happened.
/// </summary>
internal sealed class PriceTamperingDrill(IConfiguration baseConfiguration, DrillSpec spec, TextWriter output)
{
    private const string Responder = "alice@shop.example", Support = "sam@shop.example";
    private readonly List<DrillStep> _steps = [];
    private readonly List<(DateTimeOffset At, bool Tampered)> _placed = [];

    public async Task<DrillScorecard> RunAsync(CancellationToken ct)
    {
        var prefix = "drill" + Guid.NewGuid().ToString("N")[..8];
        var start = new DateTimeOffset(DateTimeOffset.UtcNow.UtcTicks
            - DateTimeOffset.UtcNow.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var clock = new DrillClock(start);
        var outbox = Path.GetFullPath(Path.Combine(spec.OutboxFolder, prefix));
        var configuration = new ConfigurationBuilder().AddConfiguration(baseConfiguration)
            .AddInMemoryCollection(Settings(prefix, outbox)).Build();
        StorageClients.DefaultToDevelopmentStorage(configuration);

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAutoResponder(configuration);
        await using var provider = services.BuildServiceProvider();
        T Get<T>() where T : notnull => provider.GetRequiredService<T>();
        await Get<StorageSetup>().EnsureCreatedAsync(ct);
        Say($"Drill price-tampering on storage prefix '{prefix}', simulated start {start:yyyy-MM-dd HH:mm} UTC; " +
            $"Graph requests → {outbox}");

        // 1. A day of normal orders, and the catalog.
        var source = (TableOrderSource)Get<IOrderSource>();
        var catalog = OrderSeeder.Catalog(40, spec.RandomSeed);
        var seeded = await OrderSeeder.SeedAsync(source, new OrderSeedSpec { Orders = spec.HistoryOrders, Days = 1, End = start.AddMinutes(-1), Skus = 40, RandomSeed = spec.RandomSeed }, null, ct);
        Step("seed", seeded.Orders == spec.HistoryOrders,
            $"{seeded.Orders:N0} orders of history, {catalog.Count} SKUs");
        var shoe = catalog[0];
        Say($"The shoe: {shoe.Sku} '{shoe.Name}', EUR {shoe.Prices["EUR"]:0.00}");

        var guard = Get<PriceGuardJob>();
        await guard.RunAsync(ct); // the guard's first run sets its checkpoint at "now"
        var random = new Random(spec.RandomSeed);
        var switches = Get<SwitchService>();
        var incidents = Get<IncidentService>();
        var store = Get<IncidentStore>();
        var runner = Get<OutboxRunner>();
        var watch = Get<WatchService>();
        string? incidentId = null;
        DateTimeOffset? firstTampered = null, detectedAt = null, acknowledgedAt = null, switchedAt = null,
            fixedAt = null, resumedAt = null;
        var tampering = false;
        var minute = 0;
        var sequence = 0;

        async Task MinuteAsync()
        {
            minute++;
            var from = clock.Now;
            var paused = (await switches.ListAsync(ct)).Any(s => s.Name == "checkout-paused" && s.On);
            var batch = new List<Order>();
            if (!paused)
                for (var i = 0; i < spec.OrdersPerMinute; i++)
                {
                    var at = from.AddTicks((long)(TimeSpan.TicksPerMinute * (i
                        + random.NextDouble()) / spec.OrdersPerMinute));
                    var item = random.NextDouble() < 0.25 ? shoe : catalog[random.Next(catalog.Count)];
                    var price = item.Prices["EUR"];
                    var tampered = tampering && item == shoe && random.NextDouble() < 0.6;
                    if (tampered) price = Math.Round(price * (decimal)(0.05 + random.NextDouble() * 0.4), 2);
                    batch.Add(new Order
                    {
                        OrderId = $"d{++sequence:D6}",
                        CreatedAt = at,
                        CustomerId = $"c{random.Next(1, 5000):D5}",
                        CustomerEmail = "customer@example.com",
                        Sku = item.Sku,
                        Quantity = 1,
                        UnitPrice = price,
                        Currency = "EUR",
                        Total = price,
                        Status = "paid",
                        StatusSince = at,
                        Channel = "web",
                        Region = "eu-west",
                        PaymentMethod = "card",
                    });
                    _placed.Add((at, tampered));
                    if (tampered) firstTampered ??= at;
                }
            await OrderSeeder.WriteOrdersAsync(source.Orders, batch, 4, null, ct);
            clock.Advance(TimeSpan.FromMinutes(1));
            var run = await guard.RunAsync(ct);
            foreach (var alert in run.Alerts)
            {
                incidentId ??= alert.IncidentId;
                if (alert.Outcome == Intake.IngestOutcomes.Opened) { detectedAt = clock.Now; Say($"  price guard: {alert.Sku} {alert.Anomaly} ×{alert.Orders} → incident {alert.IncidentId} opened"); }
            }
            await Get<StatusEmailSweep>().SweepAsync(ct);
            if (incidentId is not null) await runner.RunAsync(incidentId, ct);
            var checks = await watch.CheckAllAsync(ct);
            foreach (var c in checks)
                if (c.OrdersChecked > 0 || c.Outcome != WatchCheck.Clean)
                    Say($"  watch: {c.OrdersChecked} new orders, {c.Affected} affected → {c.Outcome}");
            if (checks.Any(c => c.OrdersChecked > 0 && c.Affected == 0)) _cleanWatchChecks++;
            if (checks.Any(c => c.Affected > 0)) _dirtyWatchChecks++;
            Say($"{clock.Now:HH:mm} minute {minute}: {batch.Count} orders ({batch.Count(o => o.UnitPrice < shoe.Prices["EUR"] * 0.9m && o.Sku == shoe.Sku)} tampered){(paused ? ", checkout paused" : "")}; guard checked {run.OrdersChecked}");
        }

        // 2. Normal trading, then the release that lets customers edit the shoe's price.
        for (var i = 0; i < 3; i++) await MinuteAsync();
        tampering = true;
        // The deploy reached production an hour before the drill began (CI reports it as a change of pricing); its
        // effect shows now. Dated before the price guard's window (which starts on a 15-minute boundary, possibly
        // before the drill's start), whatever minute the drill starts at.
        await Get<ChangeStore>()
            .TryAddAsync(ChangeRow.From(new ParsedChange("pricing", start - TimeSpan.FromHours(1), "generic", "change",
            "Release 3.8.0: the price is editable at checkout (customer-entered discounts)", "dev@shop.example",
            "3f9c2ab", "production", null, null, $"drill:{prefix}:release"), clock.Now), ct);
        Say("Release 3.8.0 (recorded as a change to pricing) is live: the shoe's price can be edited at checkout.");
        for (var i = 0; i < 10 && incidentId is null; i++) await MinuteAsync();
        Step("tampered orders", firstTampered is not null,
            firstTampered is null ? "none" : $"first at {firstTampered:HH:mm:ss}");
        Step("price guard fired", incidentId is not null && detectedAt is not null, incidentId ?? "no incident");
        if (incidentId is null) return Score(prefix, outbox, null, null);
        await runner.RunAsync(incidentId, ct);
        var details = (await store.GetDetailsAsync(incidentId, ct))!;
        Step("incident opened by the price guard", details.Incident.Source == PriceGuardJob.Source,
            $"{details.Incident.Id} {details.Incident.SeverityName} '{details.Incident.Title}'");
        var suspects = await Get<SuspectChanges>().ListAsync(details.Incident, 10, ct);
        Step("the release is a suspect",
            suspects.Any(c => c.Summary.StartsWith("Release 3.8.0", StringComparison.Ordinal)),
            suspects.FirstOrDefault()?.Summary
            ?? $"no change listed (service {details.Incident.Service}, first alert {details.Incident.FirstAlertAt:O})");

        // 3. The responder acknowledges two minutes later and stops the impact.
        await MinuteAsync();
        await MinuteAsync();
        await incidents.AcknowledgeAsync(incidentId, Responder, Responder, ct);
        acknowledgedAt = clock.Now;
        Step("acknowledged", true, $"by {Responder} at {acknowledgedAt:HH:mm}");
        await MinuteAsync();
        await switches.FlipAsync(incidentId, "checkout-paused", true,
            "Prices editable at checkout; stop orders until the fix", Responder, null, ct);
        await switches.FlipAsync(incidentId, "maintenance-banner", true, "Tell customers checkout is paused", Responder,
            null, ct);
        switchedAt = clock.Now;
        await runner.RunAsync(incidentId, ct);
        Step("switches flipped", (await switches.OnForAsync(incidentId, ct)).Count == 2,
            $"checkout-paused and maintenance-banner on at {switchedAt:HH:mm}");
        await incidents.UpdateStatusAsync(incidentId, "Checkout paused; the price field is being locked server-side",
            "Deploy the fix, re-price open carts",
            clock.Now.AddMinutes(20), Responder, ct);
        for (var i = 0; i < 4; i++) await MinuteAsync();

        // 4. The fix lands: mitigate, resume checkout, watch the fix.
        tampering = false;
        await incidents.MitigateAsync(incidentId, "Fix deployed: prices are taken from the catalog server-side",
            Responder, ct);
        fixedAt = clock.Now;
        await switches.FlipAsync(incidentId, "checkout-paused", false, "Fix deployed", Responder, null, ct);
        resumedAt = clock.Now;
        await runner.RunAsync(incidentId, ct);
        Step("fix landed", (await store.FindAsync(incidentId, ct))!.Status == IncidentStatus.Mitigated,
            $"mitigated at {fixedAt:HH:mm}, checkout resumed");
        for (var i = 0; i < 5; i++) await MinuteAsync();
        Step("watch saw clean orders", _cleanWatchChecks > 0 && _dirtyWatchChecks == 0,
            $"{_cleanWatchChecks} clean checks, {_dirtyWatchChecks} with affected orders");

        // 5. Resolve (the banner is still on: called out), hand the watch over, sign off.
        await incidents.ResolveAsync(incidentId, "Fix verified on new orders", Responder, ct);
        await runner.RunAsync(incidentId, ct);
        await switches.FlipAsync(incidentId, "maintenance-banner", false, "Orders normal again", Responder, null, ct);
        for (var i = 0; i < 3; i++) await MinuteAsync();
        await watch.HandOverAsync(incidentId, Support, "Keep an eye on the shoe tonight", Responder, null, ct);
        for (var i = 0; i < 2; i++) await MinuteAsync();
        await watch.SignOffAsync(incidentId, "Orders clean", Support, null, ct);
        await runner.RunAsync(incidentId, ct);
        for (var pass = 0; pass < 3; pass++) await runner.RunAsync(incidentId, ct);

        // 6. The review's action items: three recorded with owners and due dates, one closed already.
        var actionItems = Get<ActionItemService>();
        var owners = new[] { ("Alert on price discrepancies between order and catalog", "ops@shop.example"), ("Refuse tampered values: take prices from the catalog server-side", Responder),
                             ("More unit tests for pricing at checkout", "dev@shop.example") };
        var items = new List<ActionItemRow>();
        foreach (var (title, owner) in owners)
            items.Add(await actionItems.AddAsync(incidentId, title, owner, clock.Now.AddDays(7), null, Responder, null,
            ct));
        await actionItems.SetStatusAsync(incidentId, items[1].ItemId, ActionItemKinds.Done, null, Responder, null, ct);
        var recorded = await Get<ActionItemStore>().ForIncidentAsync(incidentId, ct);
        Step("action items recorded", recorded.Count == 3 && recorded.Count(i => i.Status == ActionItemKinds.Done) == 1,
            $"{recorded.Count} items, {recorded.Count(i => i.Status == ActionItemKinds.Done)} done");

        details = (await store.GetDetailsAsync(incidentId, ct))!;
        var timeline = details.Timeline;
        bool Done(string kind) => details.Actions.Any(a => a.Kind == kind && a.StatusName == nameof(OutboxStatus.Done));
        Step("resolved", details.Incident.Status == IncidentStatus.Resolved, $"at {details.Incident.ResolvedAt:HH:mm}");
        Step("switch called out at resolution", timeline.Any(t => t.Kind == SwitchKinds.StillOn),
            "maintenance-banner was still on");
        Step("postmortem draft", Done(ReminderOutbox.PostmortemDraft.Name), "written to blob storage");
        Step("reminders scheduled", Done(ReminderOutbox.Schedule.Name), "RCA reminders (+1/+3/+5 business days)");
        Step("watch handed over and signed off",
            timeline.Any(t => t.Kind == WatchKinds.HandedOver) && timeline.Any(t => t.Kind == WatchKinds.SignedOff),
            $"to {Support}");
        var escalations = timeline.Count(t => t.Kind == OnCallKinds.Escalated);
        var paged = timeline.FirstOrDefault(t => t.Kind == OnCallKinds.Paged);
        Step("on call paged", paged is not null
            && (paged.Text.Contains(PrimaryOnCall) || paged.Text.Contains(SecondOnCall)), paged?.Text ?? "nobody");
        Step("escalated once when level 1 timed out",
            escalations == 1 && timeline.Any(t => t.Kind == OnCallKinds.Escalated && t.Text.Contains(Lead)),
            $"{escalations} escalation(s), level 2: {Lead}");
        Step("escalation stopped by the acknowledgement",
            timeline.Any(t => t.Kind == OnCallKinds.EscalationStopped && t.Text.Contains("acknowledged")), "");
        return Score(prefix, outbox, detectedAt - firstTampered, acknowledgedAt - details.Incident.OpenedAt, incidentId,
            switchedAt, provider);
    }

    private int _cleanWatchChecks, _dirtyWatchChecks;

    private DrillScorecard Score(string prefix, string outbox, TimeSpan? detect, TimeSpan? ack,
        string? incidentId = null, DateTimeOffset? switchedAt = null, IServiceProvider? provider = null)
    {
        var sent = Sent(outbox);
        Step("Teams root post", sent.Any(s => s.StartsWith("Teams post")), "");
        Step("Teams replies", sent.Any(s => s.StartsWith("Teams replies")), "");
        Step("status emails to managers",
            sent.Any(s => s.Contains("managers@shop.example") && s.Contains("Incident opened"))
            && sent.Any(s => s.Contains("final update")), "first and final");
        Step("a status email called out the switch",
            sent.Any(s => s.Contains("Status update") && s.Contains("[calls out: checkout-paused on]")),
            "checkout-paused on");
        Step("export to operations", sent.Any(s => s.Contains("ops@shop.example")), "CSV of affected orders");
        var before = _placed.Count(p => p.Tampered && (switchedAt is null || p.At < switchedAt));
        var after = _placed.Count(p => p.Tampered && switchedAt is not null && p.At >= switchedAt);
        Step("no affected orders after the switch", switchedAt is not null && after == 0, $"{after}");
        IReadOnlyDictionary<string, decimal> money = new Dictionary<string, decimal>();
        var snapshotOrders = 0;
        if (provider is not null && incidentId is not null)
        {
            var snapshots = provider.GetRequiredService<ImpactSnapshotStore>().ListAsync(incidentId, default)
                .GetAwaiter().GetResult();
            if (snapshots.LastOrDefault() is { } last) { money = last.MoneyAtRisk(); snapshotOrders = (int)last.Orders; }
            Step("impact counted", snapshotOrders == before,
                $"snapshot {snapshotOrders} orders, drill placed {before} tampered");
        }
        return new DrillScorecard(incidentId ?? "", prefix, detect, ack, before, after, money, snapshotOrders, sent,
            _steps.ToList());
    }

    /// <summary>
    /// What the file Graph transport recorded: Teams posts and replies per channel, mails per recipient and subject.
    /// </summary>
    private static List<string> Sent(string folder)
    {
        var lines = new List<string>();
        if (!Directory.Exists(folder)) return lines;
        int posts = 0, replies = 0, patches = 0, chats = 0;
        var mails = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var url = doc.RootElement.GetProperty("url").GetString() ?? "";
            var method = doc.RootElement.GetProperty("method").GetString();
            if (url.EndsWith("/sendMail", StringComparison.Ordinal))
            {
                var body = doc.RootElement.GetProperty("body");
                // the Graph SDK sends "Message"
                var message = body.TryGetProperty("message", out var m) ? m : body.GetProperty("Message");
                var to = string.Join(", ",
                    message.GetProperty("toRecipients").EnumerateArray()
                    .Select(r => r.GetProperty("emailAddress").GetProperty("address").GetString()));
                var html = message.TryGetProperty("body", out var b) && b.TryGetProperty("content", out var c)
                    ? c.GetString() ?? "" : "";
                mails.Add($"Mail to {to}: {message.GetProperty("subject").GetString()}{(html.Contains("Switch still on: checkout-paused") ? " [calls out: checkout-paused on]" : "")}");
            }
            else if (url.Contains("/chats/", StringComparison.Ordinal)
                && url.EndsWith("/messages", StringComparison.Ordinal)) chats++;
            else if (url.EndsWith("/replies", StringComparison.Ordinal)) replies++;
            else if (method == "PATCH") patches++;
            else if (url.EndsWith("/messages", StringComparison.Ordinal)) posts++;
        }
        if (posts > 0) lines.Add($"Teams post to the incident channel: {posts}");
        if (replies > 0) lines.Add($"Teams replies in the thread: {replies} (root post updated in place {patches}×)");
        if (chats > 0) lines.Add($"Teams chat pages: {chats}");
        lines.AddRange(mails);
        return lines;
    }

    private void Step(string name, bool happened, string detail)
    {
        _steps.Add(new DrillStep(name, happened, detail));
        Say($"{(happened ? "✔" : "✘")} {name}{(detail.Length == 0 ? "" : $": {detail}")}");
    }

    private void Say(string line) => output.WriteLine(line);

    private static Dictionary<string, string?> Settings(string prefix, string outbox) => new()
    {
        [StorageClients.PrefixSetting] = prefix,
        ["AutoResponder:Graph:Mode"] = "file",
        ["AutoResponder:Graph:OutboxFolder"] = outbox,
        ["AutoResponder:Teams:Enabled"] = "true",
        ["AutoResponder:Teams:TeamId"] = "drill-team",
        ["AutoResponder:Teams:ChannelId"] = "19:incidents@thread.tacv2",
        ["AutoResponder:Teams:OnCall"] = "oncall@shop.example",
        ["AutoResponder:Mail:Sender"] = "incidents@shop.example",
        ["AutoResponder:Mail:ManagerRecipients:Default"] = "managers@shop.example",
        ["AutoResponder:Mail:OpsRecipients"] = "ops@shop.example",
        ["AutoResponder:Mail:FallbackAddress"] = "oncall@shop.example",
        ["AutoResponder:StatusEmails:Enabled"] = "true",
        ["AutoResponder:StatusEmails:CadenceMinutes:Sev1"] = "5", // compressed: an update falls inside the pause
        ["AutoResponder:Reminders:Enabled"] = "true",
        ["AutoResponder:Impact:Rules:0:Name"] = "price-tampering",
        ["AutoResponder:Impact:Rules:0:Kind"] = "BelowCatalogPrice",
        ["AutoResponder:Impact:Rules:0:AlertRules:0"] = "price-guard",
        ["AutoResponder:PriceGuard:Severity"] = "Sev1",
        ["AutoResponder:PriceGuard:Service"] = "pricing",
        ["AutoResponder:Switches:Declared:0:Name"] = "checkout-paused",
        ["AutoResponder:Switches:Declared:0:Description"] = "Stop accepting orders at checkout",
        ["AutoResponder:Switches:Declared:1:Name"] = "maintenance-banner",
        ["AutoResponder:Switches:Declared:1:Description"] = "Show the maintenance banner on every page",
        // On call (compressed): the primary has 1 min to acknowledge, then the lead is paged.
        ["AutoResponder:OnCall:Schedules:0:Name"] = "shop-primary",
        ["AutoResponder:OnCall:Schedules:0:Members:0"] = PrimaryOnCall,
        ["AutoResponder:OnCall:Schedules:0:Members:1"] = SecondOnCall,
        ["AutoResponder:OnCall:Schedules:0:Length"] = "Weekly",
        ["AutoResponder:OnCall:Policies:0:Name"] = "shop",
        ["AutoResponder:OnCall:Policies:0:Default"] = "true",
        ["AutoResponder:OnCall:Policies:0:Levels:0:Schedules:0"] = "shop-primary",
        ["AutoResponder:OnCall:Policies:0:Levels:0:Minutes"] = "1",
        ["AutoResponder:OnCall:Policies:0:Levels:1:People:0"] = Lead,
        ["AutoResponder:OnCall:Policies:0:Levels:1:Minutes"] = "5",
    };

    private const string PrimaryOnCall = "primary@shop.example", SecondOnCall = "second@shop.example",
        Lead = "lead@shop.example";

    public static void Print(DrillScorecard s, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine($"Scorecard — incident {s.IncidentId} (storage prefix {s.StoragePrefix})");
        output.WriteLine($"  time to detect (first tampered order → incident):   {Format(s.TimeToDetect)}");
        output.WriteLine($"  time to acknowledge (incident → acknowledged):      {Format(s.TimeToAcknowledge)}");
        output.WriteLine($"  affected orders before the switch / after:          {s.AffectedBeforeSwitch} / " +
            $"{s.AffectedAfterSwitch}");
        output.WriteLine($"  counted by the impact snapshot:                     {s.SnapshotOrders}");
        output.WriteLine($"  money at risk:                                      {(s.MoneyAtRisk.Count == 0 ? "none" : string.Join(", ", s.MoneyAtRisk.Select(m => $"{m.Key} {m.Value.ToString("N2", inv)}")))}");
        output.WriteLine("  sent:");
        foreach (var line in s.Sent) output.WriteLine($"    {line}");
        output.WriteLine($"  steps: {s.Steps.Count(x => x.Happened)}/{s.Steps.Count} happened{(s.Passed ? "" : " — missing: " + string.Join(", ", s.Steps.Where(x => !x.Happened).Select(x => x.Name)))}");
    }

    private static string Format(TimeSpan? t)
        => t is { } v ? $"{(int)v.TotalMinutes}m {v.Seconds:D2}s (simulated)" : "—";
}
