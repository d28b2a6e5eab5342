namespace AutoResponder.Access;

/// <summary>
/// Who may call a route: anyone, alert senders with the ingest key, or people holding one of <see cref="AnyOf"/>.
/// </summary>
public sealed record RouteAccess(bool Public, bool Ingest, IReadOnlyList<string> AnyOf)
{
    public static RouteAccess Anyone { get; } = new(true, false, []);
    public static RouteAccess IngestKey { get; } = new(false, true, []);
    public static RouteAccess People(params string[] anyOf) => new(false, false, anyOf);

    /// <summary>Reading incidents and what hangs off them: viewers (and every role above).</summary>
    public static RouteAccess Read { get; } = People(Roles.Viewer);

    /// <summary>Acting on an incident: responders (and admins).</summary>
    public static RouteAccess Act { get; } = People(Roles.Responder);

    /// <summary>
    /// Customer data (e-mail addresses, order lines): operations and responders only, never viewers; audited on the
    /// timeline.
    /// </summary>
    public static RouteAccess CustomerData { get; } = People(Roles.Ops, Roles.Responder);

    /// <summary>Does a caller holding these roles pass (public and ingest routes aside)?</summary>
    public bool Allows(Caller caller) => Public || caller.HasAny(AnyOf);

    public override string ToString() => Public ? "none" : Ingest ? "ingest key" : string.Join(" or ", AnyOf);
}
