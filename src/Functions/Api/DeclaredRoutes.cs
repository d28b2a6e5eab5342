using AutoResponder.Composition;
using AutoResponder.Routes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AutoResponder.Functions.Api;

/// <summary>
/// Runs a declared route (<see cref="ApiRoutes"/>) from its Function: the path values come from the trigger's binding
/// data, the gate and the handler from the declaration. Each Function method is one line calling this.
/// </summary>
public static class DeclaredRoutes
{
    public static async Task<IActionResult> RunAsync(string operationId, HttpRequest request, FunctionContext context)
    {
        var route = ApiRoutes.Find(operationId);
        var bound = context.BindingContext.BindingData;
        var values = route.PathParameters.ToDictionary(p => p, p =>
            bound.TryGetValue(p, out var v) ? v?.ToString() ?? "" : "");
        var result = await RouteRunner.RunAsync(route, request, values, context.InstanceServices,
            context.CancellationToken);
        return result as IActionResult ?? new Executed(result);
    }

    /// <summary>
    /// An <see cref="IResult"/> that is not also an <see cref="IActionResult"/>, executed on the Function's HTTP
    /// context.
    /// </summary>
    private sealed class Executed(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
