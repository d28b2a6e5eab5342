using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>
/// What the Functions worker hands a Function method, for calling a Function class directly (the Functions runtime
/// cannot run in these tests): the app's services and the route's values as binding data, as the worker binds them.
/// </summary>
public sealed class TestFunctionContext(IServiceProvider services, IReadOnlyDictionary<string, object?> bindingData) : FunctionContext
{
    public static TestFunctionContext For(IServiceProvider services, params (string Name, string Value)[] pathValues) =>
        new(services, pathValues.ToDictionary(p => p.Name, p => (object?)p.Value));

    public override string InvocationId { get; } = Guid.NewGuid().ToString("N");
    public override string FunctionId => "test";
    public override TraceContext TraceContext => throw new NotSupportedException();
    public override BindingContext BindingContext { get; } = new Bindings(bindingData);
    public override RetryContext RetryContext => throw new NotSupportedException();
    public override IServiceProvider InstanceServices { get; set; } = services;
    public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();
    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();
    public override Microsoft.Azure.Functions.Worker.IInvocationFeatures Features => throw new NotSupportedException();
    public override CancellationToken CancellationToken => CancellationToken.None;

    private sealed class Bindings(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData => data;
    }
}
