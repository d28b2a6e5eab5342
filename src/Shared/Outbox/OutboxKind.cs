using System.Text.Json;
using AutoResponder.Incidents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AutoResponder.Outbox;

/// <summary>
/// One kind of outbox action, declared once, in its feature (<c>&lt;Feature&gt;Outbox.All</c>): its name (stored on
/// every action), which queue signals it (<see cref="SignalLane.FirstNotice"/> or <see cref="SignalLane.FollowUp"/>),
/// its payload type and its handler. Nobody else spells the name; the runner's handlers, the lanes and the effects that
/// owe it all come from this declaration
/// (<see cref="OutboxServices.AddOutbox(IServiceCollection, IReadOnlyList{OutboxKind})"/>).
/// </summary>
public abstract class OutboxKind(string name, Type handler, SignalLane signal)
{
    public string Name { get; } = name;

    /// <summary>The <see cref="IOutboxHandler"/> that runs it (a singleton of the container).</summary>
    public Type Handler { get; } = handler;

    /// <summary>
    /// The queue that wakes the runner for it: first notices have their own, ahead of follow-up work.
    /// </summary>
    public SignalLane Signal { get; } = signal;

    /// <summary>
    /// Its order lane within an incident: the name up to its first dot ("teams.post" and "teams.reply" share "teams"),
    /// so a Teams outage delays Teams replies but not the manager emails.
    /// </summary>
    public string Lane => LaneOf(Name);

    public static string LaneOf(string kind) => kind.Split('.', 2)[0];

    /// <summary>
    /// Declares a kind whose actions carry a <typeparamref name="TPayload"/> (camelCase JSON) and run on
    /// <typeparamref name="THandler"/>.
    /// </summary>
    public static OutboxKind<TPayload> Declare<TPayload, THandler>(string name, SignalLane signal = SignalLane.FollowUp)
        where THandler : class, IOutboxHandler => new(name, typeof(THandler), signal);

    public override string ToString() => Name;
}

/// <summary>An outbox kind whose payload is a <typeparamref name="TPayload"/>.</summary>
public sealed class OutboxKind<TPayload>(string name, Type handler, SignalLane signal)
    : OutboxKind(name, handler, signal)
{
    /// <summary>An action of this kind, as an effect or a handler owes it.</summary>
    public (string Kind, string Payload) Owe(TPayload payload)
        => (Name, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web));

    /// <summary>
    /// An action of this kind owed for later (<see cref="OutboxOutcome.Later"/>): it does not run before
    /// <paramref name="dueAt"/>.
    /// </summary>
    public (string Kind, string Payload, DateTimeOffset DueAt) OweAt(TPayload payload, DateTimeOffset dueAt) =>
        (Name, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), dueAt);

    /// <summary>
    /// The payload of an action of this kind; a payload that cannot be read parks the action (retrying will not fix
    /// it).
    /// </summary>
    public TPayload Read(OutboxAction action)
    {
        try
        {
            return JsonSerializer.Deserialize<TPayload>(action.Payload, JsonSerializerOptions.Web)
                ?? throw new PermanentOutboxException($"Empty {Name} payload.");
        }
        catch (JsonException e) { throw new PermanentOutboxException($"Bad {Name} payload: {e.Message}", e); }
    }
}

/// <summary>The payload of a kind that needs nothing but the incident (<c>{}</c>).</summary>
public sealed record NoPayload
{
    public static readonly NoPayload Value = new();
}

/// <summary>The payload of a kind about one timeline entry (<c>{"entry":"tl|…"}</c>).</summary>
internal sealed record EntryPayload(string Entry);

/// <summary>A kind this deployment runs and the handler that runs it.</summary>
public sealed record OutboxHandlerRegistration(OutboxKind Kind, IOutboxHandler Handler);

/// <summary>
/// The handler of each kind this deployment runs, by kind name (built from the features' declarations).
/// </summary>
public sealed class OutboxHandlers(IEnumerable<OutboxHandlerRegistration> registrations)
{
    private readonly Dictionary<string, IOutboxHandler> _handlers =
        registrations.ToDictionary(r => r.Kind.Name, r => r.Handler, StringComparer.Ordinal);

    public bool TryGet(string kind, out IOutboxHandler handler) => _handlers.TryGetValue(kind, out handler!);
}

internal static class OutboxServices
{
    /// <summary>
    /// Runs a feature's outbox kinds in this deployment: each kind's handler (a singleton) and its lane. A feature
    /// calls this once, with its declarations (<c>services.AddOutbox(TeamsOutbox.All)</c>).
    /// </summary>
    public static IServiceCollection AddOutbox(this IServiceCollection services, params IReadOnlyList<OutboxKind> kinds)
    {
        foreach (var kind in kinds)
        {
            services.TryAddSingleton(kind.Handler);
            services.AddSingleton(kind);
            services.AddSingleton(sp =>
                new OutboxHandlerRegistration(kind, (IOutboxHandler)sp.GetRequiredService(kind.Handler)));
        }
        return services;
    }

    /// <summary>
    /// Runs <paramref name="kind"/> with a given handler (one that waits, not configured; a test's scripted handler).
    /// </summary>
    public static IServiceCollection AddOutbox(this IServiceCollection services, OutboxKind kind,
        IOutboxHandler handler)
    {
        services.AddSingleton(kind);
        services.AddSingleton(new OutboxHandlerRegistration(kind, handler));
        return services;
    }
}
