namespace AutoResponder.Access;

/// <summary>
/// Who is calling, resolved once per request by <see cref="CallerResolver"/> and identical in both hosts:
/// a person (personal access token, Entra ID token, or a source a host adds such as a console session) or a
/// sender of alerts (the ingest key). <see cref="Name"/> is what the timeline records as the actor.
/// </summary>
public sealed record Caller(string Name, IReadOnlyList<string> Roles, string SignedInWith)
{
    /// <summary>How an alert sender is named on the timeline.</summary>
    public static Caller Ingest { get; } = new("monitoring", [], "ingest-key");

    /// <summary>Whoever calls a public route (the OpenAPI document).</summary>
    public static Caller Anonymous { get; } = new("anonymous", [], "none");

    public bool IsPerson => SignedInWith is not ("ingest-key" or "none");

    /// <summary>
    /// True when the caller holds one of <paramref name="anyOf"/>; admin holds every role, and every role but
    /// storefront may read (a storefront credential opens only the routes that name it).
    /// </summary>
    public bool HasAny(IReadOnlyCollection<string> anyOf) =>
        IsPerson && (Roles.Contains(AutoResponder.Access.Roles.Admin)
            || Roles.Any(r => anyOf.Contains(r))
            || (anyOf.Contains(AutoResponder.Access.Roles.Viewer)
                && Roles.Any(r => r != AutoResponder.Access.Roles.Storefront)));
}
