namespace AutoResponder.Graph;

/// <summary>
/// The innermost handler of the Graph pipeline (below Graph's retry, redirect and compression
/// middleware). Live: null, i.e. Graph's own platform handler. File mode: a <see cref="FileOutboxHandler"/>.
/// Tests register their own: <c>services.AddSingleton(new GraphTransport(() =&gt; fake))</c>.
/// </summary>
public sealed class GraphTransport(Func<HttpMessageHandler?> create)
{
    public HttpMessageHandler? CreateHandler() => create();
}
